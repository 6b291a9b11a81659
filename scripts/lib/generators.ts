// Every generated file but the schema dump, once: its path and how it is made from a migrated
// database. `npm run regen` writes them (scripts/regen.ts says in which order), and
// test/generated-files.test.ts regenerates and compares them.
import {
  CONTRACT_TYPES_FILE,
  ERROR_CODES_SQL_FILE,
  generateErrorCodesSql,
  VALUES_MODULE_FILE,
  VALUES_FILE,
  generateContractTypes,
  generateValuesModule,
  generateValues,
} from "./contracts.js";
import { OPENAPI_FILE, generateOpenApi, openApiJson } from "./openapi.js";
import { releaseVersion } from "./paths.js";
import { DATABASE_TYPES_FILE, generateDatabaseTypes } from "./typegen.js";

export interface Generator {
  file: string;
  generate(adminUrl: string): Promise<string> | string;
}

/** In the order they are written: the checked values first (the contracts refer to them). */
export const GENERATORS: Generator[] = [
  { file: VALUES_FILE, generate: (url) => generateValues(url) },
  { file: VALUES_MODULE_FILE, generate: () => generateValuesModule() },
  { file: ERROR_CODES_SQL_FILE, generate: () => generateErrorCodesSql() },
  { file: DATABASE_TYPES_FILE, generate: (url) => generateDatabaseTypes(url) },
  { file: CONTRACT_TYPES_FILE, generate: () => generateContractTypes() },
  { file: OPENAPI_FILE, generate: async (url) => openApiJson(await generateOpenApi(url, releaseVersion())) },
];
