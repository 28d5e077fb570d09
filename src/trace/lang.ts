/**
 * The Korean meanings of the reason codes, and the choice of language
 * (`--lang ko`, or a Korean locale such as LANG=ko_KR.UTF-8). The codes stay
 * as they are (grading and filters key on them); only the one-line meaning
 * that `lblab reasons` and the TUI show is translated. The records are typed
 * by the English tables' keys, so a new code without its Korean meaning is a
 * type error, not a silent fallback to English.
 */
import { DROP_REASONS as DROP_REASONS_EN, REWRITE_REASONS as REWRITE_REASONS_EN } from './reasons.js';

/** The Korean meaning of every drop reason code. */
export const DROP_REASONS_KO: { readonly [K in keyof typeof DROP_REASONS_EN]: string } = {
  'link-down': '링크나 인터페이스가 내려가 있어 프레임을 보내거나 받을 수 없음',
  'queue-full': '링크의 송신 큐가 가득 참(tail drop)',
  'link-loss': '링크가 프레임을 잃음(설정된 무작위 손실)',
  'not-for-me': '목적지 MAC이 이 인터페이스도, 브로드캐스트도, 가입한 멀티캐스트 그룹도 아님',
  'vlan-mismatch': '포트가 받지 않는 VLAN이 붙은 프레임',
  'switch-no-egress': '스위치에 그 VLAN으로 프레임을 내보낼 다른 포트가 없음',
  'switch-loop': '넘쳐 보낸(flood) 프레임이 계속 스위치로 되돌아옴: 스위치들이 고리(loop)를 이룸(STP 없음). 실행을 멈춤',
  'arp-ignored': '이 호스트가 답하지 않는 주소에 대한 ARP 요청(로컬 주소가 아니거나 arp_ignore)',
  'arp-failed': '다음 홉이 재시도 끝에도 ARP에 답하지 않아, 기다리던 패킷을 버림',
  'arp-queue-full': '다음 홉의 ARP 대기 큐가 가득 차 가장 오래된 패킷을 버림(Linux: unres_qlen)',
  'no-route': '목적지와 맞는 경로가 없음',
  'ip-forward-off': '이 호스트로 온 패킷이 아닌데 IP 포워딩이 꺼져 있음',
  'ttl-exceeded': '전달 중 TTL이 0이 됨. ICMP time exceeded를 돌려보냄',
  'rp-filter': '역경로 필터: 패킷이 들어온 인터페이스로는 출발지에 닿을 수 없음',
  'martian-source': '선 위에 있을 수 없는 출발지 주소(로컬, 브로드캐스트, 0)',
  'bad-checksum': '헤더 체크섬이 틀림',
  'ip-proto-unreachable': '이 IP 프로토콜을 처리할 곳이 없음. ICMP protocol unreachable을 돌려보냄',
  'udp-port-unreachable': '그 UDP 포트에서 듣는 소켓이 없음. ICMP port unreachable을 돌려보냄',
  'udp-no-socket-broadcast': '아무도 듣지 않는 포트로 온 브로드캐스트 UDP 데이터그램(ICMP를 보내지 않음)',
  'tcp-no-socket': '세그먼트와 맞는 소켓이 없음. RST로 답함',
  'tcp-rst-ignored': '어느 소켓과도 맞지 않는 RST는 조용히 버림',
  'tcp-bad-ack': '이 연결이 보낸 어떤 것도 확인하지 않는 ACK',
  'tcp-out-of-window': '수신 윈도 밖의 세그먼트',
  'tcp-listen-overflow': '리스너의 accept 큐가 가득 차 SYN을 버림',
  'tcp-syn-queue-full': '리스너의 SYN 큐(반쯤 열린 연결)가 가득 차고 SYN 쿠키가 꺼져 있어(tcp_syncookies=0) SYN을 버림',
  'tcp-accept-overflow-reset': 'accept 큐가 가득 찬 상태에서 핸드셰이크를 끝내는 ACK가 와 tcp_abort_on_overflow=1 이라 RST로 답함',
  'tcp-closed': '연결이 더 이상 이 세그먼트를 받지 않음',
  'tcp-challenge-ack': '윈도 안이지만 기대한 시퀀스 번호가 아닌 RST나 SYN. challenge ACK로 답하고 버림(RFC 5961)',
  'tcp-out-of-order': '다음으로 기대한 바이트 너머의 데이터. lblab은 순서가 어긋난 데이터를 쌓아 두지 않으므로 버리고 중복 ACK를 보냄',
  'icmp-ignored': '이 호스트가 반응하지 않는 ICMP 메시지',
  'icmp-rate-limited': '속도 제한 때문에 ICMP 오류를 보내지 않음(Linux: icmp_ratelimit)',
  'redirect-suppressed': 'NAT된 연결에 대한 ICMP 리다이렉트는 보내지 않음(Linux NAT가 버림)',
  'not-local-no-forward': '라우터가 아닌 호스트가 다른 곳으로 가는 패킷을 받음',
  'decode-error': '바이트를 프레임으로 해석할 수 없음',
  'lb-no-server': '가상 서비스의 어떤 실제 서버도 새 연결을 받을 수 없음. LB가 ICMP port unreachable로 답함(IPVS)',
  'lb-snat-exhausted': 'LB에 고른 서버로 쓸 빈 SNAT 출발지 포트가 없음',
  'dns-malformed': '해석할 수 없는 DNS 메시지(잘림, 압축 루프 등). 헤더를 읽을 수 있으면 서버가 FORMERR로 답하고, 아니면 버림',
  'dns-unexpected-reply': '아무도 묻지 않은 DNS 응답: id, 출발지, 질문이 진행 중인 어떤 질의와도 맞지 않음(또는 서버에 도착함). 버림',
  'mcast-not-member': '받는 인터페이스가 가입하지 않은 그룹의 멀티캐스트 패킷(Linux ip_check_mc_rcu)',
  'vrrp-invalid': 'RFC 5798 7.1 검사에 실패한 VRRP 광고(TTL이 255가 아님, 체크섬, 버전, 타입, 간격이 틀림)',
  'vrrp-other-vrid': '이 라우터가 돌리지 않는 가상 라우터 ID의 VRRP 광고',
  'vrrp-ignored': '마스터(또는 선점하는 백업)가 버리는 더 낮은 우선순위의 VRRP 광고, RFC 5798 6.4',
  'ipvs-sync-ignored': '이 LB가 받지 않는 IPVS 연결 동기화 메시지(자기가 sync 마스터이거나 sync id가 다름)',
  'live-undecodable': '실제 장치에서 캡처한 프레임(lblab live)을 해석할 수 없어 시뮬레이션에 들어가지 못함',
  'live-send-failed': '시뮬레이션이 보낸 프레임을 실제 장치가 거부함(lblab live): 장치가 내려갔거나 제거됨',
};

/** The Korean meaning of every built-in rewrite reason code. */
export const REWRITE_REASONS_KO: { readonly [K in keyof typeof REWRITE_REASONS_EN]: string } = {
  'snat-masquerade': '게이트웨이 주소로 바꾸는 출발지 NAT(마스커레이딩)',
  'un-masquerade': '응답(또는 그에 대한 ICMP 오류)을 사설 주소로 되돌림',
  'dnat-port-forward': '포트 포워딩으로 사설 서버에 보내는 목적지 NAT',
  'dnat-reply': '포트 포워딩된 흐름의 응답에 공인 주소를 출발지로 달아 줌',
  'ipip-decap': 'IP-in-IP 패킷의 포장을 벗김. 안쪽 패킷을 tunl0에서 받음',
  'lb-dnat': '로드 밸런서: VIP로 온 요청을 고른 서버로 보냄(목적지 NAT)',
  'lb-snat': '로드 밸런서: 목적지와 출발지를 모두 바꿔 서버로 보냄(풀 NAT)',
  'lb-unnat': '로드 밸런서: 서버의 응답에 VIP를 출발지로 달아 줌',
  'lb-unsnat': '로드 밸런서: 풀 NAT 응답을 VIP -> 클라이언트로 되돌림',
  'lb-dsr': '로드 밸런서: DSR(Direct Server Return), 패킷을 바꾸지 않고 서버의 MAC으로 다시 보냄',
  'lb-tunnel': '로드 밸런서: 패킷을 IP-in-IP로 감싸 서버로 보냄(L3 DSR)',
  'lb-icmp': '로드 밸런서: 분산된 흐름에 대한 ICMP 오류를 인용된 패킷과 함께 변환함',
};

/** A language lblab can print its reason meanings and TUI labels in; English is the default. */
export type Lang = 'en' | 'ko';

/** The languages `--lang` accepts. */
export const LANGS: readonly Lang[] = ['en', 'ko'];

/**
 * The language to print in: the `--lang` value when given, else the
 * locale of the environment (LC_ALL, then LC_MESSAGES, then LANG, as POSIX
 * orders them; `ko_KR.UTF-8` and `ko` mean Korean), else English.
 */
export function langOf(flag: Lang | undefined, env: Readonly<Record<string, string | undefined>>): Lang {
  if (flag) return flag;
  const locale = [env['LC_ALL'], env['LC_MESSAGES'], env['LANG']].find((v) => v !== undefined && v !== '') ?? '';
  return /^ko([_.@-]|$)/i.test(locale) ? 'ko' : 'en';
}

/** The meaning of every drop and every built-in rewrite reason code, in a language. */
export function reasonMeanings(lang: Lang): { readonly drops: Readonly<Record<string, string>>; readonly rewrites: Readonly<Record<string, string>> } {
  return lang === 'ko' ? { drops: DROP_REASONS_KO, rewrites: REWRITE_REASONS_KO } : { drops: DROP_REASONS_EN, rewrites: REWRITE_REASONS_EN };
}
