// Types of serve-state.mjs, for the TypeScript tests that import it.
export interface State {
  current: boolean;
  reason: string;
}
export declare const BUILD_INPUTS: string[];
export declare const BUILD_STAMP: string;
export declare function dependencyState(root: string): State;
export declare function sourceHash(root: string, inputs?: string[]): string;
export declare function buildState(root: string, inputs?: string[]): State & { hash: string };
export declare function writeBuildStamp(root: string, hash: string): void;
