// Puppeteer drives Debian's Firefox (scripts/browsers.mjs finds it); it must not
// download a browser of its own, which a closed network refuses anyway.
module.exports = { skipDownload: true };
