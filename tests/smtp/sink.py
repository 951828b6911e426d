#!/usr/bin/python3
"""A real SMTP server for the tests and the benchmarks (Debian's python3-aiosmtpd).

    sink.py PORT FILE [--envelope-only] [--stall-after N] [--starttls CERT KEY | --tls CERT KEY]

Listens on 127.0.0.1:PORT and appends each mail it accepts to FILE as one JSON line: when it
arrived, the envelope, the Message-ID, the decoded subject, text and HTML. Any recipient whose
address starts with "refused" is answered 550, as a server refusing an unknown mailbox does.
Prints "ready" once it listens. With --envelope-only (the benchmarks), a mail is recorded by
its arrival time, envelope and Message-ID only, without decoding it, so that the sink spends as
little as possible of the machine's CPU. With --starttls it requires STARTTLS before any mail
(as a mail server on an untrusted network should); with --tls it speaks TLS from the first byte
(SMTPS); both present the certificate CERT with its key KEY. With --stall-after N it accepts N
mails, then never answers the DATA of any other (as a server that hangs): the tests of a crash
during delivery kill the worker while it waits.
"""
import asyncio
import email
import email.policy
import json
import re
import ssl
import sys
import threading
import time

from aiosmtpd.controller import Controller

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)


class Sink:
    def __init__(self, path, envelope_only, stall_after=None):
        self.path = path
        self.envelope_only = envelope_only
        self.stall_after = stall_after
        self.accepted = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("refused"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.stall_after is not None:
            with self.lock:
                stalls = self.accepted >= self.stall_after
                self.accepted += 0 if stalls else 1
            if stalls:
                await asyncio.sleep(3600)
        received = time.time()
        if self.envelope_only:
            match = MESSAGE_ID.search(envelope.original_content or envelope.content)
            record = {"received_at": received, "rcpt_tos": envelope.rcpt_tos,
                      "message_id": match.group(1).decode() if match else None}
            with self.lock, open(self.path, "a", encoding="utf-8") as out:
                out.write(json.dumps(record) + "\n")
            return "250 2.0.0 accepted"
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        parts = {"text/plain": "", "text/html": ""}
        for part in message.walk():
            if part.get_content_type() in parts:
                parts[part.get_content_type()] = part.get_content()
        record = {
            "received_at": received,
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "message_id": message["Message-ID"],
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "auto_submitted": message["Auto-Submitted"],
            "text": parts["text/plain"],
            "html": parts["text/html"],
        }
        with self.lock, open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 2.0.0 accepted"


def tls_context(option):
    if option not in sys.argv:
        return None
    at = sys.argv.index(option)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(sys.argv[at + 1], sys.argv[at + 2])
    return context


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    stall_after = int(sys.argv[sys.argv.index("--stall-after") + 1]) if "--stall-after" in sys.argv else None
    sink = Sink(path, "--envelope-only" in sys.argv[3:], stall_after)
    starttls, implicit = tls_context("--starttls"), tls_context("--tls")
    if starttls:
        controller = Controller(sink, hostname="127.0.0.1", port=port, tls_context=starttls, require_starttls=True)
    elif implicit:
        controller = Controller(sink, hostname="127.0.0.1", port=port, ssl_context=implicit, server_hostname="localhost")
    else:
        controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        threading.Event().wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
