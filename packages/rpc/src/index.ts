export { callContext, type CallContext } from './call-context.js';
export { handlers, type HandlerOptions } from './handlers.js';
export { createLogger, type Logger } from './logger.js';
export { startGrpcServer, type RunningServer, type ServiceRegistration } from './server.js';
export { grpcError, toServiceError } from './status.js';
export {
  callClientStream,
  callUnary,
  type CallSettings,
  type ClientStreamMethod,
  type UnaryMethod,
  fromDownstream,
} from './client.js';
export { isServing } from './health.js';
export { envFlag, envInteger, envKafkaBrokers, envMongoUrl } from './env.js';
export { runUntilSignalled } from './run.js';
