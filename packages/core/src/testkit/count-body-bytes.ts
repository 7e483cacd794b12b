import type { Dispatcher } from 'undici';

export interface BodyByteCounter {
  /** Compose onto a dispatcher (`client.compose(interceptor)`) or pass to `queryMiners`. */
  interceptor: Dispatcher.DispatcherComposeInterceptor;
  /** Response body bytes handed to the caller so far, per origin (`http://127.0.0.1:1234`). */
  received: Map<string, number>;
}

/**
 * Counts the response body bytes a dispatcher delivers, per origin. A test uses it to see how much
 * of an answer a client actually read: a client that stops at its size cap makes undici drop the
 * socket, so the count stays near the cap however much the server offers.
 */
export function countBodyBytes(): BodyByteCounter {
  const received = new Map<string, number>();
  const interceptor: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (options, handler) => {
    const origin = String(options.origin);
    const count = (chunk: Buffer) => received.set(origin, (received.get(origin) ?? 0) + chunk.length);
    // Old-style handlers get `onData(chunk)`, new-style `onResponseData(controller, chunk)`.
    const counted = new Proxy(handler, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (typeof value !== 'function') return value;
        if (property === 'onData')
          return (chunk: Buffer) => {
            count(chunk);
            return value.call(target, chunk);
          };
        if (property === 'onResponseData')
          return (controller: unknown, chunk: Buffer) => {
            count(chunk);
            return value.call(target, controller, chunk);
          };
        return (...args: unknown[]) => value.apply(target, args);
      },
    });
    return dispatch(options, counted);
  };
  return { interceptor, received };
}
