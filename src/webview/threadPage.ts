/**
 * The thread panel's script: applies what the host sends to the page. Message
 * text is only ever set as text (never as HTML), and every event handler is
 * attached in code (no inline handlers), under the panel's strict CSP.
 */
import type { CompletionNames, HostToWebview, PanelInfo } from '../shared/protocol';
import { setComposerFor } from './composer';
import './messageFilter';
import { post } from './hostBridge';
import { render, reveal } from './messageRendering';
import { appendText } from './messageText';
import {
  app,
  closedBanner,
  closedText,
  composer,
  description,
  earlierButton,
  el,
  header,
  icon,
  live,
  reopenButton,
  scroller,
  title,
} from './pageLayout';
import { forgetAppliedMarks, setPanelVisible } from './readTracking';
import { setDigest } from './digest';
import { messages, setInfo, setMessages } from './threadState';

app.append(header, scroller, composer, live);
reopenButton.addEventListener('click', () => post({ type: 'reopen' }));
earlierButton.addEventListener('click', () => {
  earlierButton.disabled = true;
  post({ type: 'loadEarlier' });
});

function applyInfo(next: PanelInfo, nextNames: CompletionNames): void {
  setInfo(next, nextNames);
  title.textContent = next.title;
  description.replaceChildren();
  appendText(description, next.description);
  description.hidden = !next.description;
  closedBanner.hidden = !next.closed;
  closedText.replaceChildren(icon('lock'), ' This chatroom is closed');
  if (next.closedReason) {
    const reason = el('span', { class: 'reason' });
    appendText(reason, next.closedReason);
    closedText.append(': ', reason);
  }
  closedText.append('. Reopen it to send messages.');
  reopenButton.setAttribute('aria-label', `Reopen ${next.title}`);
  setComposerFor(next);
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const m = event.data;
  switch (m.type) {
    case 'init':
    case 'info':
      applyInfo(m.info, m.names);
      break;
    case 'messages': {
      const before = new Set(messages.map((x) => x.key));
      setMessages(m);
      forgetAppliedMarks();
      if (m.reason === 'update') {
        const fresh = messages.filter((x) => !before.has(x.key) && !x.mine).length;
        if (fresh > 0) live.textContent = `${fresh} new message${fresh === 1 ? '' : 's'}`;
      }
      render(m.reason);
      break;
    }
    case 'reveal':
      reveal(m.key);
      break;
    case 'digest':
      setDigest(m.summary);
      if (messages.length > 0) render('digest');
      break;
    case 'visibility':
      setPanelVisible(m.visible);
      break;
  }
});

post({ type: 'ready' });
