/** Who is asking: kept with a session and written to logs. */
export interface RequestMeta {
  readonly requestId: string;
  readonly sourceIp?: string | undefined;
  readonly userAgent?: string | undefined;
}

/** The request fields every audit record and auth log line carries. */
export const requestFields = (meta: RequestMeta) => ({ requestId: meta.requestId, sourceIp: meta.sourceIp, userAgent: meta.userAgent });
