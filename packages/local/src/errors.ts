/**
 * Errors of the local runtime that `npm start` explains to a person and exits on. `code` is stable; the
 * message says what to do. The local stand-ins' own problems (Java, DynamoDB Local, the table) are
 * `LocalServiceError`s.
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

export type LocalServiceErrorCode =
  | "java_not_found"
  | "java_too_old"
  | "dynamodb_local_missing"
  | "dynamodb_start_failed"
  | "dynamodb_start_timeout"
  | "table_schema_mismatch"
  | "table_not_active";

/** A local stand-in could not start or does not match the definition; `code` is stable. */
export class LocalServiceError extends Error {
  override readonly name = "LocalServiceError";
  constructor(
    readonly code: LocalServiceErrorCode,
    message: string,
  ) {
    super(message);
  }
}
