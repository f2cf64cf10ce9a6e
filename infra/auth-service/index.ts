/** The AuthService construct: one file per concern in this folder, composed by `auth-service.ts`. */
export {
  AuthService,
  ProtectedApi,
  type AuthFunctionName,
  type AuthServiceProps,
  type ProtectOptions,
  type RouteAccessOptions,
  type ThrottleSettings,
} from './auth-service';
