/**
 * The TUI's own words (the status line, the prompts, the key help) in each
 * language `--lang` offers. The trace's sentences and the reason codes stay
 * English: only the reason meanings (src/trace/lang.ts) and these labels
 * are translated. Keys themselves never change with the language.
 */
import type { Lang } from '../trace/lang.js';
import { KEY_HINT, KEYS, type KeyHelp } from './keys.js';

/** Every label the TUI draws besides the trace's own text. */
export interface Labels {
  readonly keys: readonly KeyHelp[];
  readonly keyHint: string;
  readonly keysTitle: string;
  /** "event 3/120". */
  readonly event: string;
  readonly noEvents: string;
  readonly filter: string;
  readonly verbose: string;
  readonly playing: string;
  readonly speed: string;
  readonly filterPrompt: string;
  readonly filterPromptHint: string;
  readonly gotoPrompt: string;
  readonly gotoPromptHint: string;
  readonly emptyTrace: string;
  readonly pressQ: string;
  /** Before a drop's or rewrite's reason meaning in the packet pane. */
  readonly meaning: string;
}

const EN: Labels = {
  keys: KEYS,
  keyHint: KEY_HINT,
  keysTitle: 'Keys',
  event: 'event',
  noEvents: 'no events',
  filter: 'filter',
  verbose: 'verbose',
  playing: 'playing',
  speed: 'speed',
  filterPrompt: 'filter: ',
  filterPromptHint: '(Enter applies, empty clears, Esc cancels)',
  gotoPrompt: 'go to time: ',
  gotoPromptHint: '(Enter jumps, Esc cancels)',
  emptyTrace: 'The trace is empty: nothing happened in this run (no frame was sent, no state changed).',
  pressQ: 'Press q to quit.',
  meaning: 'meaning',
};

/** What each key does, in Korean, in the order of KEYS (the keys column is KEYS' own). */
const KEYS_DOES_KO: readonly string[] = [
  '다음 이벤트',
  '이전 이벤트',
  '이벤트 한 페이지 앞으로 / 뒤로',
  '첫 / 마지막 이벤트',
  '다음 / 이전 폐기(drop)',
  '다음 / 이전 변환(rewrite)',
  '이 패킷 따라가기: 그 다음 이벤트, 또는 그것으로 만든 프레임의 이벤트',
  '시각으로 가기: 입력하고(1.5s, 300ms, 20us) Enter로 이동, Esc로 취소',
  '필터: node=web1,proto=tcp,kind=drop,flow=2, 비우면 해제',
  '필터 해제(현재 이벤트는 그대로)',
  '아래 창: packet, state, topology, flow (넓은 화면: packet, flow)',
  '프레임의 바이트를 16진수로, 변환이 바꾼 바이트는 표시',
  '현재 이벤트의 흐름을 사다리 그림으로(f를 한 번 더: packet)',
  'state 창: 다음 / 이전 노드(그다음 다시 이벤트의 노드)',
  '재생 / 일시 정지(한 번에 이벤트 하나)',
  '더 빠르게 / 더 느리게 재생',
  'verbose: 수신과, 호스트가 무시하는 플러딩된 프레임도 목록에',
  '이 도움말(아무 키나 누르면 닫힘)',
  '끝내기',
];

const KO: Labels = {
  keys: KEYS.map((k, i) => ({ keys: k.keys, does: KEYS_DOES_KO[i] ?? k.does })),
  keyHint: '←→ 이동  n 폐기  r 변환  p 따라가기  / 필터  tab 창  s 노드  ? 키  q 끝',
  keysTitle: '키',
  event: '이벤트',
  noEvents: '이벤트 없음',
  filter: '필터',
  verbose: 'verbose',
  playing: '재생 중',
  speed: '속도',
  filterPrompt: '필터: ',
  filterPromptHint: '(Enter 적용, 비우면 해제, Esc 취소)',
  gotoPrompt: '시각으로 가기: ',
  gotoPromptHint: '(Enter 이동, Esc 취소)',
  emptyTrace: '트레이스가 비어 있습니다: 이 실행에서는 아무 일도 일어나지 않았습니다(보낸 프레임도, 바뀐 상태도 없음).',
  pressQ: 'q를 누르면 끝납니다.',
  meaning: '뜻',
};

/** The labels of a language. */
export function labelsFor(lang: Lang): Labels {
  return lang === 'ko' ? KO : EN;
}

