# The project's command-line tools (migrate, the key CLI) as an image, for docker-compose.yml's
# one-shot `migrate` service: the files they need are copied in and the dependencies installed from
# the lock file at build time, so running it writes nothing into the host checkout.
# Node.js 20.20.2 is the version this project is tested with. The lock file holds the linux-x64
# builds of dbmate and PostgREST only (what this project's registry serves): compose builds and
# runs this image as linux/amd64 (emulated on arm64 hosts).
FROM node:20.20.2-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY clients/ts/package.json clients/ts/
RUN npm ci --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY scripts scripts
COPY db db
USER node
CMD ["npm", "run", "db:migrate", "--", "--no-dump"]
