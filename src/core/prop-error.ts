import { IConstruct } from 'constructs';
import { PropCheck } from './errors';

/**
 * The error for a prop whose value is not allowed (TypeScript-only helper; other languages use
 * `PropCheck.message`). Not exported from the package index.
 */
export function propError(scope: IConstruct, prop: string, expectation: string, value: any): Error {
  return new Error(PropCheck.message(scope, prop, expectation, value));
}
