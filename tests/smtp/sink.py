#!/usr/bin/python3
"""A real SMTP server for the tests and the benchmarks (Debian's python3-aiosmtpd).

    sink.py PORT FILE

Listens on 127.0.0.1:PORT and appends each mail it accepts to FILE as one JSON line: when it
arrived, the envelope, the Message-ID, the decoded subject, text and HTML. Any recipient whose
address starts with "refused" is answered 550, as a server refusing an unknown mailbox does.
Prints "ready" once it listens.
"""
import email
import email.policy
import json
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("refused"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        received = time.time()
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


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(path), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        threading.Event().wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
