import type { z } from "zod";

export interface FieldError {
  field: string;
  message: string;
}

/** A request that failed validation; the app answers 400 listing every field at fault. */
export class RequestValidationError extends Error {
  readonly statusCode = 400;

  constructor(readonly fields: FieldError[]) {
    super("Request validation failed");
    this.name = "RequestValidationError";
  }
}

/**
 * Parses one part of a request or throws a RequestValidationError. `part` names the whole input
 * ("body", "query") in errors that concern no single field, such as a missing body.
 */
export function parseRequest<T extends z.ZodType>(
  schema: T,
  input: unknown,
  part: string,
): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) {
    return result.data;
  }
  throw new RequestValidationError(
    result.error.issues.flatMap((issue): FieldError[] => {
      if (issue.code === "unrecognized_keys") {
        return issue.keys.map((key) => ({
          field: [...issue.path, key].join("."),
          message: "is not a known field",
        }));
      }
      return [{ field: issue.path.join(".") || part, message: issue.message }];
    }),
  );
}

/**
 * DynamoDB or SNS failed where the request needs them; the change was rolled back, so the
 * client may retry. The app answers 503 with this message.
 */
export class DependencyUnavailableError extends Error {
  readonly statusCode = 503;

  constructor(message: string, cause: unknown) {
    super(`${message}; nothing was changed, retry later`, { cause });
    this.name = "DependencyUnavailableError";
  }
}
