// Kept for imports that predate scripts/browsers.mjs, which now finds every engine.
export { chromiumArgs, chromiumExecutable } from './browsers.mjs';
