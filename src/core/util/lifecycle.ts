/** Anything that can be disposed: `vscode.Disposable`, an event subscription, a session, a timer wrapper. */
export interface IDisposable {
  dispose(): unknown;
}

/**
 * The one base of every class that owns listeners, emitters, panels or timers (the pattern of
 * vscode-pull-request-github's `src/common/lifecycle.ts`): what a subclass creates or subscribes to is registered
 * once, with {@link Disposable._register} or through {@link Disposable.disposables} in the three-argument
 * `onDidX(listener, this, this.disposables)` form, and {@link Disposable.dispose} releases all of it exactly once.
 * Plain TypeScript (no `vscode` import), so core classes can use it too; structurally a `vscode.Disposable`.
 */
export abstract class Disposable implements IDisposable {
  /** What this object owns, disposed in registration order. Pass it as the third argument of `onDidX`. */
  protected readonly disposables: IDisposable[] = [];
  private disposedFlag = false;

  /** True once {@link dispose} ran: late async work checks it before publishing. */
  protected get isDisposed(): boolean {
    return this.disposedFlag;
  }

  /** Owns `value` (disposed with this object); disposed at once when this object already is. Returns `value`. */
  protected _register<T extends IDisposable>(value: T): T {
    if (this.disposedFlag) value.dispose();
    else this.disposables.push(value);
    return value;
  }

  /**
   * Disposes everything registered, once: a second call does nothing. One owned object that throws does not keep the
   * others alive; the first error is thrown after all were disposed. Subclasses that stop more (a worker, a timer)
   * override it and call `super.dispose()`.
   */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    let first: unknown;
    let failed = false;
    for (const owned of this.disposables.splice(0)) {
      try {
        owned.dispose();
      } catch (error) {
        if (!failed) first = error;
        failed = true;
      }
    }
    if (failed) throw first;
  }
}
