import type { EngineFeatures } from './engine.types';

// Oldest engine we support (Docker 20.10) and newest API whose behaviour we know.
export const MIN_API_VERSION = '1.41';
export const MAX_API_VERSION = '1.54';

export function compareApiVersions(a: string, b: string): number {
  const [aMajor, aMinor] = a.split('.').map(Number);
  const [bMajor, bMinor] = b.split('.').map(Number);
  return aMajor !== bMajor ? aMajor - bMajor : (aMinor || 0) - (bMinor || 0);
}

const atLeast = (version: string, wanted: string) => compareApiVersions(version, wanted) >= 0;

export function featuresFor(apiVersion: string): EngineFeatures {
  return {
    apiVersion,
    macAddressOnConnect: atLeast(apiVersion, '1.54'),
    perEndpointMacAtCreate: atLeast(apiVersion, '1.44'),
    multipleNetworksAtCreate: atLeast(apiVersion, '1.44'),
    uniqueNetworkNames: atLeast(apiVersion, '1.44'),
  };
}
