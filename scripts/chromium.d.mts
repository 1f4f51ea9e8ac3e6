export { chromiumArgs, chromiumExecutable } from './browsers.mjs';
