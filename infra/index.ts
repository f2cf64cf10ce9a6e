/**
 * The package's CDK entry point (`import { AuthService } from 'aws-auth-service'`): the construct,
 * the way to protect another stack's API with it, and a ready stack with the operator's outputs.
 */
export {
  AuthService,
  ProtectedApi,
  type AuthFunctionName,
  type AuthServiceProps,
  type ProtectOptions,
  type RouteAccessOptions,
  type ThrottleSettings,
} from './auth-service';
export { AuthStack, type AuthStackProps } from './auth-stack';
