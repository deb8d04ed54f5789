export const version: string = 'v0';
