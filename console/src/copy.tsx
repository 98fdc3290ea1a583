/** Copy buttons: the clipboard API, with the older selection-based copy where that is refused. */
import { useFeedback } from './feedback.js';

function copyBySelection(text: string): boolean {
  const focused = document.activeElement as HTMLElement | null;
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'offscreen';
  document.body.append(area);
  area.select();
  const done = document.execCommand('copy');
  area.remove();
  focused?.focus();
  return done;
}

export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    if (!copyBySelection(text)) throw new Error('The browser did not allow copying: select the text and copy it.');
  }
}

/** A button with visible text "Copy" (or `text`) and a fuller accessible name; says "Copied" when done. */
export function CopyButton(props: { value: string; label?: string; text?: string; className?: string }) {
  const { value, label, text = 'Copy', className = 'copy' } = props;
  const feedback = useFeedback();
  const copy = async () => {
    try {
      await copyText(value);
      feedback.clearAlert();
      feedback.announce('Copied');
    } catch (error) {
      feedback.report(error);
    }
  };
  return (
    <button type="button" class={className} aria-label={label} onClick={copy}>
      {text}
    </button>
  );
}
