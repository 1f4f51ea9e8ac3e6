export function chromiumExecutable(): string | undefined;
export function chromiumArgs(): string[];
