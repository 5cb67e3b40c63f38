// The shape of an HTTP answer, and Netdata Cloud's error body. Bodies are compact JSON (`"errorMsgKey":"X"` with no
// space: the v1 claim script greps for exactly that) and never contain the text "HTTP" (the script takes the status
// from the last line that does).

export interface Reply {
  status: number
  /** an object is sent as compact JSON; a string as is */
  body?: unknown
  headers?: Record<string, string>
}

export interface CloudErrorOptions {
  errorNonRetryable?: boolean
  errorRetryDelaySeconds?: number
  headers?: Record<string, string>
}

export function cloudError(
  status: number,
  errorMsgKey: string,
  errorMessage: string,
  options: CloudErrorOptions = {},
): Reply {
  return {
    status,
    body: {
      errorCode: `emulator-${status}-${errorMsgKey}`,
      errorMsgKey,
      errorMessage,
      ...(options.errorNonRetryable === undefined ? {} : {errorNonRetryable: options.errorNonRetryable}),
      ...(options.errorRetryDelaySeconds === undefined ? {} : {errorRetryDelaySeconds: options.errorRetryDelaySeconds}),
    },
    ...(options.headers ? {headers: options.headers} : {}),
  }
}

export function errorMsgKeyOf(reply: Reply): string | undefined {
  const body = reply.body as {errorMsgKey?: unknown} | undefined
  return typeof body?.errorMsgKey === 'string' ? body.errorMsgKey : undefined
}
