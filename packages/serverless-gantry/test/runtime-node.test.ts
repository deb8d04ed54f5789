import { afterEach, describe, expect, it } from 'vitest';
import { findNode, NODE_BINARY_ENV, nodePackage, runtimeMajor } from '../src/offline/run/runtime-node.js';

const thisMajor = Number(process.versions.node.split('.')[0]);

describe("the Node that runs local functions: provider.runtime's major", () => {
  afterEach(() => {
    delete process.env[NODE_BINARY_ENV];
  });

  it('reads the major of Node.js runtimes only', () => {
    expect(runtimeMajor('nodejs22.x')).toBe(22);
    expect(runtimeMajor('nodejs24.x')).toBe(24);
    expect(runtimeMajor('python3.12')).toBeUndefined();
    expect(runtimeMajor(undefined)).toBeUndefined();
  });

  it("downloads Node's own build for this platform from the npm registry", () => {
    expect(nodePackage(22)).toBe(`node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}@22`);
  });

  it(`uses $${NODE_BINARY_ENV} when it is the runtime's major, and says what to do when it is not`, () => {
    process.env[NODE_BINARY_ENV] = process.execPath;
    expect(findNode(thisMajor, () => undefined)).toEqual({ binary: process.execPath, version: process.versions.node });
    expect(() => findNode(thisMajor + 1, () => undefined)).toThrow(
      `${NODE_BINARY_ENV}=${process.execPath} is Node ${process.versions.node}, but provider.runtime needs Node ${thisMajor + 1}; point it at a Node ${thisMajor + 1} binary or unset it.`,
    );
  });
});
