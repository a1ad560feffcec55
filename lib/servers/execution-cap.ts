/** Max parallel executions: the default cap of a server and the largest an admin may set (server-settings.ts). */
export const DEFAULT_MAX_PARALLEL_EXECUTIONS = 4;
export const MAX_PARALLEL_EXECUTIONS_LIMIT = 50;
