/** Who is asking: kept with a session and written to logs. */
export interface RequestMeta {
  readonly requestId: string;
  readonly sourceIp?: string | undefined;
  readonly userAgent?: string | undefined;
}
