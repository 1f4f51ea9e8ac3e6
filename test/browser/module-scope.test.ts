// Importing the ES module changes no global (the script-tag build is the only entry
// that touches window).
import { expect } from '@esm-bundle/chai';

describe('importing the ES module', () => {
  it('adds, removes and changes no global', async () => {
    const before = new Map(Object.getOwnPropertyNames(window).map((name) => [name, Reflect.get(window, name)]));
    const module = await import('../../src/index.js');
    const after = Object.getOwnPropertyNames(window);
    expect(after.filter((name) => !before.has(name))).to.deep.equal([]);
    expect([...before.keys()].filter((name) => !after.includes(name))).to.deep.equal([]);
    const changed = [...before].filter(([name, value]) => {
      const now: unknown = Reflect.get(window, name);
      return now !== value && !(Number.isNaN(now) && Number.isNaN(value));
    });
    // Reading some getters gives a fresh object each time; none of ours are among them.
    expect(changed.map(([name]) => name).filter((name) => /xml|socket|configure/i.test(name))).to.deep.equal([]);
    expect('XMLSocket' in window).to.equal(false);
    expect(typeof module.XMLSocket).to.equal('function');
  });
});
