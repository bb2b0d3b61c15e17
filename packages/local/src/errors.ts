/**
 * Errors of the local runtime that `npm start` explains to a person and exits on. `code` is stable; the
 * message says what to do. DynamoDB Local's own start-up problems are `LocalServiceError`s (dynamo.ts).
 */
export type LocalRuntimeErrorCode =
  | "invalid_config"
  | "port_in_use"
  | "already_started"
  | "data_dir_unusable"
  | "secret_file_invalid";

export class LocalRuntimeError extends Error {
  override readonly name = "LocalRuntimeError";
  constructor(
    readonly code: LocalRuntimeErrorCode,
    message: string,
  ) {
    super(message);
  }
}
