export function chromiumExecutable(): string | undefined;
export function chromiumArgs(): string[];
export function firefoxExecutable(): string | undefined;
export function firefoxPrefs(): Record<string, unknown>;
export function firefoxLaunchOptions(): {
  browser: 'firefox';
  executablePath: string;
  headless: boolean;
  acceptInsecureCerts: boolean;
  extraPrefsFirefox: Record<string, unknown>;
};
export function webkitDriverExecutable(): string | undefined;
export function webkitExecutable(): string | undefined;
export function webkitCapabilities(): Record<string, unknown> & { browserName: string };
export function startDisplay(): Promise<{ display: string; stop(): Promise<void> }>;
export function startWebkitDriver(): Promise<{
  remoteOptions: {
    hostname: string;
    port: number;
    path: string;
    logLevel: 'error';
    capabilities: Record<string, unknown> & { browserName: string };
  };
  stop(): Promise<void>;
}>;
