// Imported first by the local entry points: the SDK's notice that it drops Node 20 in 2027
// would otherwise open every run. Deployed functions run on Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Locally there is no CloudWatch to read embedded-metric lines: keep them out of the console.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
