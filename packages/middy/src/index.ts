export { type HttpErrorLike, type HttpRequest, httpHandler, toHttpRequest, toHttpResponse } from './http-handler.js';
