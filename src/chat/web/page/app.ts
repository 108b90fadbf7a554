// The chat page's script (bundled into assets.ts by build_assets.ts): it speaks the same line protocol as
// a telnet client over the WebSocket at /ws, shows every line as text (control characters removed
// as the server does, then textContent: no user text is ever parsed as markup), and in rooms mode
// keeps the room and member lists from the server's own `***` lines. It reconnects when the
// server goes away, and in rooms mode takes its name back.

import { stripControls } from "../../sanitize.ts";

const NAME_KEY = "tokserver-chat-name";
const MAX_LINES = 1000;
const PROMPT = "*** choose a name";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const rooms = document.body.dataset.mode === "rooms";
const log = $<HTMLOListElement>("log");
const statusLine = $("status");
const nameForm = $<HTMLFormElement>("name-form");
const nameInput = $<HTMLInputElement>("name");
const nameError = $("name-error");
const chat = $("chat");
const message = $<HTMLInputElement>("message");
const title = $("title");
const roomList = $<HTMLUListElement>("rooms");
const memberList = $<HTMLUListElement>("members");

let ws: WebSocket | undefined;
let retries = 0;
let quitting = false;
let partial = "";
let decoder = new TextDecoder();
/** The name this page goes by (kept for reconnects), and whether the server has accepted it. */
let myName = sessionStorage.getItem(NAME_KEY) ?? "";
let named = false;
let nameSent = false;
let room = "";
const members = new Set<string>();
/** Replies the page asked for itself (not shown, only used for the lists). */
let autoWho = 0;
let autoRooms = 0;

function setStatus(text: string): void {
  statusLine.textContent = text;
}

/** Appends one line to the log, as text only. */
function show(text: string, kind = ""): void {
  const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  const li = document.createElement("li");
  li.textContent = stripControls(text);
  if (kind) li.className = kind;
  log.append(li);
  while (log.childElementCount > MAX_LINES) log.firstElementChild!.remove();
  if (atEnd) log.scrollTop = log.scrollHeight;
}

function send(line: string): void {
  if (ws?.readyState === WebSocket.OPEN) ws.send(line);
}

function showChat(): void {
  nameForm.hidden = true;
  chat.hidden = false;
  message.focus();
}

function showNameForm(error = ""): void {
  chat.hidden = true;
  nameForm.hidden = false;
  nameError.textContent = error;
  if (myName && !nameInput.value) nameInput.value = myName;
  nameInput.focus();
}

function renderMembers(): void {
  const items = [...members].sort((a, b) => a.toLowerCase() < b.toLowerCase() ? -1 : 1)
    .map((name) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = name === myName ? `${name} (you)` : name;
      b.setAttribute("aria-label", `Send a private message to ${name}`);
      b.addEventListener("click", () => {
        message.value = `/msg ${name} `;
        message.focus();
      });
      li.append(b);
      return li;
    });
  memberList.replaceChildren(...items);
}

function renderRooms(list: Array<[string, string]>): void {
  roomList.replaceChildren(...list.map(([name, count]) => {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = `${name} (${count})`;
    b.setAttribute("aria-label", `${name}, ${count} in it${name === room ? ", your room" : ""}`);
    if (name === room) b.setAttribute("aria-current", "true");
    b.addEventListener("click", () => name !== room && send(`/join ${name}`));
    li.append(b);
    return li;
  }));
}

function askLists(): void {
  autoWho++;
  autoRooms++;
  send("/who");
  send("/rooms");
}

function enteredRoom(name: string): void {
  room = name;
  title.textContent = name;
  members.clear();
  askLists();
}

/** One line from the server in rooms mode; false when it is not to be shown. */
function roomsLine(line: string): boolean {
  let m: RegExpMatchArray | null;
  if (!named) {
    if (line.startsWith(PROMPT)) {
      if (!nameSent) showNameForm(nameError.textContent ?? "");
      return false;
    }
    if ((m = line.match(/^\*\*\* (?:name taken: .*|bad name: .*)$/))) {
      nameSent = false;
      showNameForm(line.slice(4));
      return false;
    }
    if ((m = line.match(/^\*\*\* hello (\S+), you are in (#\S+)/))) {
      named = true;
      myName = m[1]!;
      sessionStorage.setItem(NAME_KEY, myName);
      showChat();
      enteredRoom(m[2]!);
      setStatus(`connected as ${myName}`);
    }
    return true;
  }
  if ((m = line.match(/^\*\*\* \d+ in (#\S+): (.*?)(?: \(local only\))?$/))) {
    if (m[1] === room) {
      members.clear();
      for (const n of m[2]!.split(", ")) if (n) members.add(n);
      renderMembers();
    }
    if (autoWho > 0) return autoWho--, false;
    return true;
  }
  if ((m = line.match(/^\*\*\* \d+ rooms?: (.*?)(?: \(local only\))?$/))) {
    const list = [...m[1]!.matchAll(/(#\S+) \((\d+)\)/g)].map((r) =>
      [r[1]!, r[2]!] as [string, string]
    );
    renderRooms(list);
    if (autoRooms > 0) return autoRooms--, false;
    return true;
  }
  if ((m = line.match(/^\*\*\* you are now in (#\S+)$/))) enteredRoom(m[1]!);
  else if ((m = line.match(/^\*\*\* you are now known as (\S+)$/))) {
    members.delete(myName);
    myName = m[1]!;
    members.add(myName);
    sessionStorage.setItem(NAME_KEY, myName);
    setStatus(`connected as ${myName}`);
    renderMembers();
  } else if ((m = line.match(/^\*\*\* (\S+) joined (#\S+)$/)) && m[2] === room) {
    members.add(m[1]!);
    renderMembers();
  } else if ((m = line.match(/^\*\*\* (\S+) left (#\S+)$/)) && m[2] === room) {
    members.delete(m[1]!);
    renderMembers();
  } else if ((m = line.match(/^\*\*\* (\S+) is now known as (\S+)$/))) {
    if (members.delete(m[1]!)) members.add(m[2]!);
    renderMembers();
  }
  return true;
}

function kindOf(line: string): string {
  if (line.startsWith("[private")) return "private";
  if (line.startsWith("*** ")) return "notice";
  return "";
}

function onLine(line: string): void {
  if (rooms && !roomsLine(line)) return;
  show(line, kindOf(line));
}

function connect(): void {
  const url = new URL("/ws", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = ws = new WebSocket(url);
  socket.binaryType = "arraybuffer";
  partial = "";
  decoder = new TextDecoder();
  named = nameSent = false;
  autoWho = autoRooms = 0;
  socket.addEventListener("open", () => {
    retries = 0;
    setStatus("connected");
    if (!rooms) return showChat();
    if (myName) {
      nameSent = true;
      send(myName);
    }
  });
  socket.addEventListener("message", (e) => {
    const text = partial +
      (typeof e.data === "string" ? e.data : decoder.decode(e.data, { stream: true }));
    const lines = text.split("\r\n");
    partial = lines.pop() ?? "";
    for (const line of lines) onLine(line);
  });
  socket.addEventListener("close", () => {
    if (ws !== socket) return;
    if (quitting) return setStatus("you left; reload the page to come back");
    const wait = Math.min(500 * 2 ** retries, 5000);
    retries++;
    setStatus(`disconnected; trying again in ${Math.round(wait / 100) / 10} s`);
    setTimeout(connect, wait);
  });
}

nameForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const name = nameInput.value.trim();
  if (!name) return;
  myName = name;
  nameSent = true;
  nameError.textContent = "";
  send(name);
});

$<HTMLFormElement>("send-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = message.value;
  if (text.trim() === "") return;
  message.value = "";
  if (text.trim().toLowerCase() === "/quit") quitting = true;
  send(text);
  if (!rooms) show(`you: ${text}`, "own");
  else if (!text.startsWith("/") || text.startsWith("//")) {
    show(`[${room}] ${myName}: ${text.startsWith("//") ? text.slice(1) : text}`, "own");
  }
});

$<HTMLFormElement>("join-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = $<HTMLInputElement>("join");
  const name = input.value.trim();
  if (!name) return;
  input.value = "";
  send(`/join ${name}`);
  message.focus();
});

$("refresh-rooms").addEventListener("click", askLists);

if (rooms) {
  $("rooms-panel").hidden = false;
  $("members-panel").hidden = false;
} else {
  title.textContent = "Everyone";
}
connect();
