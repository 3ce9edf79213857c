#include "query/explain.h"

#include "base/scan.h"

namespace mlq {
namespace {

struct Known {
  std::string_view needle;  // lower-case substring of the reply
  std::string_view meaning;
};

// Specific texts first: they say more than any code.
constexpr Known kTexts[] = {
    {"alias database unavailable",
     "Postfix could not read its alias database (aliases.db missing or stale): build it with "
     "postalias /etc/aliases (or newaliases); the mail stays queued until then."},
    {"dmarc",
     "The receiving server rejected the message because the sender's domain failed its DMARC "
     "policy: SPF and DKIM did not pass in alignment with the From domain. Fix the domain's SPF "
     "record and DKIM signing."},
    {"relay access denied",
     "The server refused to relay: the sender was neither authenticated nor in an allowed "
     "network, and the recipient's domain is not one the server accepts mail for."},
    {"blacklisted",
     "Rejected by a blacklist / block list policy (a local sender/recipient block list or a "
     "DNSBL). Check the policy server (e.g. iRedAPD wblist) or the block list named in the reply."},
    {"blocked using",
     "Rejected because the sending IP is listed on the DNS block list named in the reply."},
    {"user unknown", "The recipient address does not exist on the receiving server."},
    {"unknown user", "The recipient address does not exist on the receiving server."},
    {"no such user", "The recipient address does not exist on the receiving server."},
    {"mailbox unavailable",
     "The recipient's mailbox is unavailable (missing, disabled or locked)."},
    {"over quota", "The recipient's mailbox is full (quota exceeded)."},
    {"quota exceeded", "The recipient's mailbox is full (quota exceeded)."},
    {"mailbox full", "The recipient's mailbox is full (quota exceeded)."},
    {"mailbox is full", "The recipient's mailbox is full (quota exceeded)."},
    {"greylist",
     "Greylisted: the receiving server asks the sender to retry later; a retry "
     "normally succeeds within minutes."},
    {"try again later", "A temporary refusal: the sending server will retry."},
    {"connection timed out",
     "The remote server did not answer (connection timed out): it is down, overloaded, or a "
     "firewall drops port 25. The message stays queued and is retried."},
    {"connection refused",
     "The remote server refused the connection: no mail service is listening there."},
    {"host not found", "The recipient's domain has no usable MX or address record (DNS)."},
    {"name service error", "DNS lookup of the recipient's domain failed (temporary)."},
    {"no route to host", "The remote server is unreachable from this host (network)."},
    {"network is unreachable", "The remote server is unreachable from this host (network)."},
    {"lost connection", "The connection to the remote server broke during the transaction."},
    {"spf",
     "The message failed the receiving server's SPF check: the sending IP is not "
     "authorized by the sender domain's SPF record."},
    {"spam", "The receiving side classified the message as spam."},
    {"virus", "A virus scanner found malware in the message."},
    {"infected", "A virus scanner found malware in the message."},
    {"message size exceeds", "The message is larger than the receiving server accepts."},
    {"message too big", "The message is larger than the receiving server accepts."},
    {"too many recipients", "The message has more recipients than the server accepts at once."},
    {"too many connections", "The remote server limits concurrent connections; retried later."},
    {"certificate verification failed",
     "TLS was required but the remote server's certificate could not be verified."},
    {"cannot find your hostname",
     "The client's IP address has no (matching) reverse DNS name, which this server requires."},
    {"cannot find your reverse hostname",
     "The client's IP address has no (matching) reverse DNS name, which this server requires."},
    {"helo command rejected", "The client's HELO/EHLO name was refused by policy."},
    {"sender address rejected", "The sender address was refused by policy."},
    {"recipient address rejected", "The recipient address was refused by policy."},
    {"domain not found", "The sender or recipient domain does not exist in DNS."},
    {"delivery ok", "Delivered into the recipient's mailbox."},
    {"saved", "Delivered into the recipient's mailbox."},
    {"delivered to mailbox", "Delivered into the recipient's mailbox."},
    {"delivered via dovecot", "Handed to Dovecot for delivery into the mailbox."},
};

struct Code {
  std::string_view code;  // "x.y.z" or "x.y" prefix
  std::string_view meaning;
};

constexpr Code kCodes[] = {
    {"2.0.0", "Accepted by the next server or delivered."},
    {"2.1.5", "Destination address valid; accepted for delivery."},
    {"2.6.0", "Delivered."},
    {"4.1.1", "Recipient unknown right now (temporary)."},
    {"4.2.0", "Mailbox temporarily unavailable."},
    {"4.2.1", "Mailbox temporarily disabled."},
    {"4.2.2", "The recipient's mailbox is full (temporary)."},
    {"4.3.0", "Temporary problem on the receiving system."},
    {"4.3.1", "The receiving system is out of storage (temporary)."},
    {"4.3.2", "The receiving system is not accepting mail right now."},
    {"4.3.5", "The receiving system's configuration is broken (temporary)."},
    {"4.4.1", "No answer from host: the remote server did not answer in time. Retried."},
    {"4.4.2", "The connection to the remote server broke. Retried."},
    {"4.4.3", "Directory server (DNS) failure: the destination could not be resolved now."},
    {"4.4.4", "Unable to route (temporary)."},
    {"4.4.5", "The remote system is congested. Retried."},
    {"4.4.7", "The message stayed in the queue too long and is about to expire."},
    {"4.5.3", "Too many recipients (temporary)."},
    {"4.7.0", "Temporary policy refusal (e.g. greylisting, rate limits)."},
    {"4.7.1", "Temporary policy refusal (e.g. greylisting); the sender retries."},
    {"5.0.0", "Permanent failure (no more detail given)."},
    {"5.1.0", "Bad address."},
    {"5.1.1", "The recipient address does not exist (user unknown)."},
    {"5.1.2", "The recipient's domain does not exist or accepts no mail."},
    {"5.1.3", "The recipient address is malformed."},
    {"5.1.6", "The recipient has moved; no forwarding address."},
    {"5.1.7", "The sender address is invalid."},
    {"5.1.8", "The sender's domain is invalid or does not exist."},
    {"5.1.10", "The recipient's domain has a null MX: it accepts no mail."},
    {"5.2.0", "The recipient's mailbox is unavailable."},
    {"5.2.1", "The recipient's mailbox is disabled."},
    {"5.2.2", "The recipient's mailbox is full (quota exceeded)."},
    {"5.2.3", "The message is larger than the recipient accepts."},
    {"5.3.0", "Permanent problem on the receiving system."},
    {"5.3.4", "The message is larger than the receiving system accepts."},
    {"5.4.0", "Routing failure."},
    {"5.4.1", "The recipient's server refused access (no such mailbox there, or relay denied)."},
    {"5.4.4", "Unable to route: no MX or address found for the destination."},
    {"5.4.6", "Mail loop detected (routing loop)."},
    {"5.4.7", "The message stayed in the queue too long and expired."},
    {"5.5.0", "Protocol error."},
    {"5.5.1", "Invalid command."},
    {"5.5.2", "Syntax error."},
    {"5.5.3", "Too many recipients."},
    {"5.6.0", "The content was refused."},
    {"5.7.0", "Refused by security policy."},
    {"5.7.1", "Refused by policy: relay denied, sender/recipient blacklisted, or content refused."},
    {"5.7.8", "Authentication failed (wrong credentials)."},
    {"5.7.9", "Authentication mechanism too weak."},
    {"5.7.13", "The user's account is disabled."},
    {"5.7.23", "SPF check failed: the sending IP is not authorized by the sender domain."},
    {"5.7.24", "SPF check produced an error."},
    {"5.7.25", "The sending IP has no reverse DNS (PTR) record, which the receiver requires."},
    {"5.7.26",
     "DMARC: the sender's domain failed authentication (SPF/DKIM not aligned) and its policy "
     "asks receivers to reject."},
    {"5.7.27", "The sender's domain publishes a null MX: it sends no mail."},
    {"5.7.28", "Refused as part of a mail flood (rate limit / bulk)."},
    {"5.7.350", "The remote server refused the message (policy)."},
};

}  // namespace

std::string Explain(std::string_view dsn, std::string_view reply) {
  std::string text;
  const std::string lower = scan::LowerCopy(reply);
  for (const Known& k : kTexts) {
    if (lower.find(k.needle) != std::string::npos) {
      text = std::string(k.meaning);
      break;
    }
  }
  std::string code_meaning;
  for (const Code& c : kCodes) {
    if (dsn == c.code) {
      code_meaning = std::string(c.meaning);
      break;
    }
  }
  if (code_meaning.empty() && dsn.size() >= 3) {
    // Unknown detail: fall back to the class and subject.
    if (dsn[0] == '2') code_meaning = "Success.";
    if (dsn[0] == '4') code_meaning = "Temporary failure: the sender retries.";
    if (dsn[0] == '5') code_meaning = "Permanent failure: the message was not delivered.";
  }
  if (text.empty()) return code_meaning;
  if (code_meaning.empty() || code_meaning == text) return text;
  return text + " (" + std::string(dsn) + ": " + code_meaning + ")";
}

}  // namespace mlq
