/** A sleep that another part of the program can cut short (to stop a loop at once, or to wake it for new work). */
export class Waker {
  private pending: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(resolve), ms);
      this.pending = () => {
        clearTimeout(timer);
        this.settle(resolve);
      };
    });
  }

  wake(): void {
    this.pending?.();
  }

  private settle(resolve: () => void): void {
    this.pending = undefined;
    resolve();
  }
}
