/**
 * Delete with undo: the task leaves the page at once, a notice offers "Undo" for a few seconds, and
 * only when that window closes is the deletion sent. Chosen over "delete at once, re-create on undo"
 * because a re-created task is a different task: a new id, version and creation time (so a new place
 * in the list), and it would silently overwrite a change made elsewhere meanwhile. Deferred, nothing
 * reaches the API until it is final.
 *
 * One action waits at a time: a second delete, switching lists or leaving the page sends the waiting
 * one at once.
 */

/** How long "Undo" is offered. */
export const UNDO_WINDOW_MS = 5_000;

export interface UndoOffer {
  /** What the notice says, e.g. `Deleted "Buy milk".` */
  message: string;
  /** Puts things back; nothing was sent. `hadFocus`: the Undo button had the keyboard focus. */
  undo: (hadFocus: boolean) => void;
  /** Makes it final (sends the deletion). `hadFocus`: as for undo. */
  commit: (hadFocus: boolean) => void;
}

let waiting: (() => void) | undefined;

/** Shows the offer in `notice` (a live region) and returns its Undo button. */
export function offerUndo(notice: HTMLElement, offer: UndoOffer): HTMLButtonElement {
  commitWaitingNow();
  const text = document.createElement('span');
  text.textContent = offer.message;
  const undoButton = document.createElement('button');
  undoButton.type = 'button';
  undoButton.textContent = 'Undo';

  const close = (): boolean => {
    clearTimeout(timer);
    if (waiting === commitNow) waiting = undefined;
    const hadFocus = document.activeElement === undoButton;
    if (notice.contains(undoButton)) notice.replaceChildren();
    return hadFocus;
  };
  const commitNow = () => offer.commit(close());
  const timer = setTimeout(commitNow, UNDO_WINDOW_MS);
  undoButton.addEventListener('click', () => offer.undo(close()));

  notice.replaceChildren(text, undoButton);
  waiting = commitNow;
  return undoButton;
}

/** Sends the waiting action now, if there is one. */
export function commitWaitingNow(): void {
  waiting?.();
}
