// npm run gen:types — regenerate the client's types: the Database type from a throwaway database
// migrated with this checkout (a throwaway cluster, or one on DATABASE_URL's server: like every
// tool but db:migrate and start, it never migrates the database you work with) and the payload
// types from db/contracts.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CONTRACT_TYPES_FILE,
  ERROR_CODES_SQL_FILE,
  generateErrorCodesSql,
  VALUES_MODULE_FILE,
  VALUES_FILE,
  generateContractTypes,
  generateValuesModule,
  generateValues,
} from "./lib/contracts.js";
import { migrate } from "./lib/migrate.js";
import { repoRoot } from "./lib/paths.js";
import { testTarget } from "./lib/target.js";
import { DATABASE_TYPES_FILE, generateDatabaseTypes } from "./lib/typegen.js";
import { OPENAPI_FILE, generateOpenApi, openApiJson } from "./lib/openapi.js";
import { releaseVersion } from "./lib/paths.js";

const target = await testTarget();
try {
  await migrate(target.adminUrl, { quiet: true });
  // The checked values first: the contracts refer to them.
  writeFileSync(join(repoRoot, VALUES_FILE), await generateValues(target.adminUrl));
  writeFileSync(join(repoRoot, VALUES_MODULE_FILE), generateValuesModule());
  writeFileSync(join(repoRoot, ERROR_CODES_SQL_FILE), generateErrorCodesSql());
  writeFileSync(join(repoRoot, DATABASE_TYPES_FILE), await generateDatabaseTypes(target.adminUrl));
  writeFileSync(join(repoRoot, CONTRACT_TYPES_FILE), await generateContractTypes());
  writeFileSync(join(repoRoot, OPENAPI_FILE), openApiJson(await generateOpenApi(target.adminUrl, releaseVersion())));
  // Migrate loads the document into the database: load this one now.
  await migrate(target.adminUrl, { quiet: true });
  console.log(`wrote ${VALUES_FILE}, ${VALUES_MODULE_FILE}, ${DATABASE_TYPES_FILE}, ${CONTRACT_TYPES_FILE} and ${OPENAPI_FILE}`);
} finally {
  await target.teardown();
}
