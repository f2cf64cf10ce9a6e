/**
 * The package's CDK entry point (`import { AuthService } from 'aws-auth-service'`): the construct,
 * the way to protect another stack's API with it, and a ready stack with the operator's outputs.
 */
export * from './auth-service';
export { AuthStack, type AuthStackProps } from './auth-stack';
