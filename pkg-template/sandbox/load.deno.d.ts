export function instantiate(): Promise<unknown>;
