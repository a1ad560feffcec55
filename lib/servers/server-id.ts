/** The two servers a customer connects: Qlik Sense Enterprise on Windows (`onprem`) and Qlik Cloud (`cloud`). */
export const SERVER_IDS = ['onprem', 'cloud'] as const;
export type ServerId = (typeof SERVER_IDS)[number];
export const isServerId = (value: unknown): value is ServerId => value === 'onprem' || value === 'cloud';
