# For docker-compose.yml (untested here: no Docker engine on the build machines).
FROM node:20-bookworm-slim
WORKDIR /lab
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
ENV LAB_NO_BUILD=1
