/** The AuthService construct: one file per concern in this folder, composed by `auth-service.ts`. */
export { AuthService, type AuthFunctionName, type AuthServiceProps, type ThrottleSettings } from './auth-service';
