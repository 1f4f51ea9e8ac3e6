// What the library tells the developer in the console: misconfiguration, and error
// events nobody listens for (as a browser reports an error no script handles).

/** One line on the console, named after the library. */
export function warn(message: string): void {
  console.warn(`XMLSocket: ${message}`);
}
