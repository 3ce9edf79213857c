#include "bench/lib/flowgen.h"

#include <charconv>
#include <cmath>
#include <ctime>
#include <string_view>
#include <type_traits>

namespace mlq::bench {
namespace {

// ---- string building -------------------------------------------------------

inline void AppendOne(std::string& s, std::string_view v) { s.append(v); }
inline void AppendOne(std::string& s, const char* v) { s.append(v); }
inline void AppendOne(std::string& s, const std::string& v) { s.append(v); }
inline void AppendOne(std::string& s, char c) { s.push_back(c); }
template <class T>
requires(std::is_integral_v<T> && !std::is_same_v<T, char> &&
         !std::is_same_v<T, bool>) inline void AppendOne(std::string& s, T v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}
template <class... A>
std::string Cat(const A&... a) {
  std::string s;
  s.reserve(160);
  (AppendOne(s, a), ...);
  return s;
}

// Postfix-style seconds: "0", "0.01", "0.96", "5.4", "55144".
std::string Secs(double x) {
  char buf[32];
  if (x < 0.005) return "0";
  if (x < 1) {
    std::snprintf(buf, sizeof buf, "%.2f", x);
    std::string s = buf;  // "0.50" -> "0.5"
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
  }
  if (x < 10) {
    std::snprintf(buf, sizeof buf, "%.1f", x);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", x);
  }
  return buf;
}

// Bijection on [0, 2^40): unique queue IDs from a counter.
uint64_t Mix40(uint64_t x, uint64_t seed) {
  constexpr uint64_t kMask = (uint64_t{1} << 40) - 1;
  x = (x + seed * 0x2545F4914F6CDD1DULL) & kMask;
  x = (x * 0x9E3779B97F4A7C15ULL) & kMask;
  x ^= x >> 19;
  x = (x * 0xBF58476D1CE4E5B9ULL) & kMask;
  x ^= x >> 23;
  return x;
}

uint64_t Mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Postfix's long queue ID alphabet (no vowels; 'z' separates the inode part).
constexpr std::string_view kB51 = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxy";
constexpr std::string_view kHexU = "0123456789ABCDEF";
constexpr std::string_view kHexL = "0123456789abcdef";
constexpr std::string_view kAlnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+_-";

void AppendBase(std::string& s, uint64_t v, std::string_view alphabet, int digits) {
  char buf[32];
  for (int i = digits - 1; i >= 0; --i) {
    buf[i] = alphabet[v % alphabet.size()];
    v /= alphabet.size();
  }
  s.append(buf, digits);
}

constexpr const char* kFirst[] = {
    "anna",  "ben",    "carla", "david",  "emma",  "felix", "greta", "hugo",  "ines",   "jan",
    "karin", "lars",   "mia",   "nils",   "olga",  "paul",  "rita",  "sven",  "tina",   "uwe",
    "vera",  "walter", "xenia", "yusuf",  "zoe",   "alex",  "bruno", "chloe", "dirk",   "elena",
    "frank", "gina",   "henry", "isabel", "jonas", "kim",   "linda", "marco", "nadine", "oscar"};
constexpr const char* kLast[] = {
    "mueller", "schmidt",  "schneider", "fischer",  "weber",  "meyer",  "wagner",  "becker",
    "schulz",  "hoffmann", "koch",      "richter",  "klein",  "wolf",   "neumann", "schwarz",
    "braun",   "zimmer",   "krueger",   "hartmann", "lange",  "werner", "krause",  "lehmann",
    "koehler", "jung",     "hahn",      "vogel",    "keller", "fuchs",  "roth",    "frank",
    "berger",  "winter",   "sommer",    "brandt",   "haas",   "graf",   "dietz",   "kraus"};
constexpr const char* kLocalDomains[] = {"example.net", "example.com", "corp.example.org"};
constexpr const char* kBigDomains[] = {"gmail.com",   "yahoo.com", "outlook.com", "hotmail.com",
                                       "gmx.de",      "web.de",    "orange.fr",   "icloud.com",
                                       "t-online.de", "aol.com"};
constexpr const char* kTlsCiphers[] = {
    "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
    "server-signature RSA-PSS (2048 bits) server-digest SHA256",
    "TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
    "TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits) key-exchange X25519 "
    "server-signature ECDSA (P-256) server-digest SHA256",
};

template <class T, size_t N>
constexpr size_t Len(const T (&)[N]) {
  return N;
}

}  // namespace

void AppendRfc3164Time(int64_t time_us, std::string* out) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t secs = static_cast<time_t>(time_us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s %2d %02d:%02d:%02d", kMonths[tm.tm_mon], tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  out->append(buf);
}

// Builds the lines of one flow. Times are offsets from the flow's start.
class FlowGen::Builder {
 public:
  Builder(FlowGen& g, int64_t start_us) : g_(g), t_(start_us) {
    id_ = g.next_flow_++;
    host_ = static_cast<int>(U(g.o_.hosts));
  }

  // ---- random helpers ----
  uint64_t R() { return g_.rng_(); }
  uint64_t U(uint64_t n) { return n <= 1 ? 0 : R() % n; }
  bool Chance(double p) { return (R() >> 11) * 0x1.0p-53 < p; }
  double Uf(double lo, double hi) { return lo + (R() >> 11) * 0x1.0p-53 * (hi - lo); }
  // Microseconds for a delay of lo..hi seconds.
  int64_t DelayUs(double lo, double hi) { return static_cast<int64_t>(Uf(lo, hi) * 1e6); }

  void Add(int64_t dt_us, int pri, std::string body) {
    t_ += dt_us;
    g_.Push(id_, t_, host_, pri, std::move(body));
    ++count_;
  }
  void AddInfo(int64_t dt_us, std::string body) { Add(dt_us, 22, std::move(body)); }
  void AddWarn(int64_t dt_us, std::string body) { Add(dt_us, 20, std::move(body)); }

  // ---- identities ----
  std::string Host() const { return g_.hostnames_[host_]; }
  std::string Fqdn() const { return g_.hostnames_[host_] + ".example.net"; }
  std::string MxIp() const { return Cat("192.0.2.", 10 + host_ % 200); }
  int Pid() { return static_cast<int>(1000 + U(4000000)); }
  int PoolPid(int program, int pool) {
    // A handful of long-lived processes per host and program (cleanup, qmgr, smtp, ...).
    return 1000 + static_cast<int>(
                      (Mix64(g_.o_.seed * 131 + host_ * 977 + program * 31 + U(pool)) % 3000000));
  }
  std::string QueueId() {
    uint64_t v = Mix40(g_.qid_counter_++, g_.o_.seed);
    std::string s;
    if (host_ % 2 == 0) {  // mx1, mx3, ...: enable_long_queue_ids = yes
      AppendBase(s, static_cast<uint64_t>(t_ / 1000000), kB51, 6);
      AppendBase(s, v % (51ULL * 51 * 51 * 51), kB51, 4);
      s.push_back('z');
      AppendBase(s, v / (51ULL * 51 * 51 * 51), kB51, 4);
    } else {
      AppendBase(s, v, kHexU, 10);
    }
    return s;
  }
  std::string RandomChars(std::string_view alphabet, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(alphabet[U(alphabet.size())]);
    return s;
  }
  std::string MessageId(const std::string& sender_domain) {
    const uint64_t u = Mix64(g_.mid_counter_++ ^ (g_.o_.seed << 40));
    std::string uniq;
    AppendBase(uniq, u, kHexL, 14);
    switch (U(6)) {
      case 0:
        return Cat("CA", RandomChars(kB64, 24), uniq, "@mail.gmail.com");
      case 1:
        return Cat(Stamp(), ".", uniq, "@", sender_domain);
      case 2:
        return Cat(U(2000000000), ".", U(100), ".", 1600000000000 + U(100000000000), ".JavaMail.",
                   uniq, "@", sender_domain);
      case 3: {
        std::string s = RandomChars(kHexL, 8) + "-" + RandomChars(kHexL, 4) + "-4" +
                        RandomChars(kHexL, 3) + "-" + RandomChars(kHexL, 4) + "-";
        AppendBase(s, u, kHexL, 12);
        return Cat(s, "@", sender_domain);
      }
      case 4: {
        std::string up;
        AppendBase(up, u, kHexU, 14);
        return Cat("AM", U(10), "PR0", U(10), "MB", RandomChars(kHexU, 4), up, "@AM", U(10), "PR0",
                   U(10), "MB", RandomChars(kHexU, 4), ".eurprd0", U(9) + 1, ".prod.outlook.com");
      }
      default:
        return Cat(uniq, ".", RandomChars(kAlnum, 8), "@", sender_domain);
    }
  }
  std::string Stamp() const {  // YYYYMMDDhhmmss of the current time
    time_t secs = static_cast<time_t>(t_ / 1000000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
  }
  std::string LocalUser() {
    uint64_t i = U(g_.o_.local_users);
    const size_t nf = Len(kFirst), nl = Len(kLast);
    std::string s = Cat(kFirst[i % nf], ".", kLast[(i / nf) % nl]);
    if (i >= nf * nl) AppendOne(s, i / (nf * nl));
    return Cat(s, "@", kLocalDomains[i % Len(kLocalDomains)]);
  }
  std::string ExternalUser() {
    uint64_t j = U(g_.o_.external_users);
    const size_t nf = Len(kFirst), nl = Len(kLast);
    std::string local = (j % 3 == 0) ? Cat(kFirst[j % nf], j % 997)
                                     : Cat(kFirst[j % nf], "_", kLast[(j / 7) % nl], j % 89);
    std::string domain = (j % 4 == 0) ? Cat("dom", (j / 4) % 20000, ".example")
                                      : std::string(kBigDomains[(j / 11) % Len(kBigDomains)]);
    return Cat(local, "@", domain);
  }
  static std::string DomainOf(const std::string& addr) { return addr.substr(addr.find('@') + 1); }
  std::string Ip() {
    static constexpr int kFirstOctets[] = {23,  31,  37,  45,  46,  62,  77,  78,  80,  81,
                                           82,  85,  91,  93,  103, 104, 109, 141, 151, 176,
                                           178, 185, 188, 193, 194, 195, 209, 212, 213, 217};
    return Cat(kFirstOctets[U(Len(kFirstOctets))], ".", U(256), ".", U(256), ".", 1 + U(254));
  }
  std::string ClientName(const std::string& ip, const std::string& domain) {
    const uint64_t k = U(10);
    if (k < 2) return "unknown";
    if (domain == "gmail.com") return Cat("mail-wr1-f", U(200), ".google.com");
    if (domain == "outlook.com" || domain == "hotmail.com") {
      return Cat("mail-am", U(9), "eur0", U(9), "on20", U(800), ".outbound.protection.outlook.com");
    }
    if (k < 5) return Cat("mx", U(5), ".", domain);
    return Cat("mail.", domain);
  }
  std::string RemoteMx(const std::string& domain) {
    if (domain == "gmail.com") return Cat("gmail-smtp-in.l.google.com");
    if (domain == "outlook.com" || domain == "hotmail.com") {
      return Cat(domain == "outlook.com" ? "outlook" : "hotmail",
                 "-com.olc.protection.outlook.com");
    }
    return Cat("mx", U(3), ".", domain);
  }
  std::string Size() { return Cat(static_cast<uint64_t>(std::exp(Uf(6.5, 13.5)))); }
  std::string Delays(double* total) {
    double a = Uf(0, 0.3), b = Uf(0, 0.05), c = Uf(0, 0.6), d = Uf(0.01, 2);
    *total = a + b + c + d;
    return Cat(Secs(a), "/", Secs(b), "/", Secs(c), "/", Secs(d));
  }
  std::string AmavisId(int pid) {
    return Cat("(", pid < 10000 ? "0" : "", pid, "-0", 1 + U(9), ")");
  }

  // ---- flows ----
  void Inbound();
  void Outbound();
  void Reject();
  void Noise();

  void Finish(bool message) {
    FlowState& f = g_.flows_[id_];
    f.remaining = count_;
    f.sample = message;
    if (message) f.key = key_;
    if (count_ == 0) g_.flows_.erase(id_);
  }

  KeySample key_;

 private:
  FlowGen& g_;
  int64_t t_;
  uint32_t id_;
  int host_;
  int count_ = 0;
};

enum Program { kPostscreen, kSmtpd, kCleanup, kQmgr, kSmtp, kLmtp, kAmavis, kBounce, kAnvil };

// Internet -> postscreen -> smtpd -> amavis (re-queued to a second queue ID)
// -> lmtp -> Dovecot.
void FlowGen::Builder::Inbound() {
  const std::string sender = ExternalUser();
  const std::string sdomain = DomainOf(sender);
  const int nrcpt = Chance(0.8) ? 1 : 2 + static_cast<int>(U(3));
  std::vector<std::string> rcpts;
  for (int i = 0; i < nrcpt; ++i) rcpts.push_back(LocalUser());
  const std::string ip = Ip();
  const std::string cname = ClientName(ip, sdomain);
  const int port = 1024 + static_cast<int>(U(64000));
  const std::string ps = Cat("postfix/postscreen[", PoolPid(kPostscreen, 1), "]: ");
  const std::string smtpd = Cat("postfix/smtpd[", Pid(), "]: ");
  const std::string q1 = QueueId();
  const std::string mid = MessageId(sdomain);
  const std::string size = Size();
  const std::string qmgr = Cat("postfix/qmgr[", PoolPid(kQmgr, 1), "]: ");
  const bool tls = Chance(0.7);

  AddInfo(0, Cat(ps, "CONNECT from [", ip, "]:", port, " to [", MxIp(), "]:25"));
  if (Chance(0.7)) {
    AddInfo(DelayUs(0.001, 0.01), Cat(ps, "PASS OLD [", ip, "]:", port));
  } else {
    AddInfo(DelayUs(0.5, 6), Cat(ps, "PASS NEW [", ip, "]:", port));
  }
  AddInfo(DelayUs(0.001, 0.01), Cat(smtpd, "connect from ", cname, "[", ip, "]"));
  if (tls) {
    AddInfo(DelayUs(0.02, 0.2), Cat(smtpd, "Anonymous TLS connection established from ", cname, "[",
                                    ip, "]: ", kTlsCiphers[U(Len(kTlsCiphers))]));
  }
  AddInfo(DelayUs(0.05, 0.5), Cat(smtpd, q1, ": client=", cname, "[", ip, "]"));
  AddInfo(DelayUs(0.05, 0.5),
          Cat("postfix/cleanup[", PoolPid(kCleanup, 6), "]: ", q1, ": message-id=<", mid, ">"));
  AddInfo(DelayUs(0.001, 0.02), Cat(qmgr, q1, ": from=<", sender, ">, size=", size,
                                    ", nrcpt=", nrcpt, " (queue active)"));
  AddInfo(DelayUs(0.01, 0.1), Cat(smtpd, "disconnect from ", cname, "[", ip, "] ehlo=", tls ? 2 : 1,
                                  tls ? " starttls=1" : "", " mail=1 rcpt=", nrcpt,
                                  " data=1 quit=1 commands=", 4 + nrcpt + (tls ? 2 : 0)));
  key_ = {mid, q1, Host(), rcpts[0]};

  // amavis: scans, re-injects on port 10025 as a new queue ID.
  const int apid = PoolPid(kAmavis, 8);
  const std::string amavis = Cat("amavis[", apid, "]: ", AmavisId(apid), " ");
  std::string rcpt_list;
  for (int i = 0; i < nrcpt; ++i) rcpt_list += Cat(i ? "," : "", "<", rcpts[i], ">");
  const bool spam = Chance(0.04);
  const std::string mail_id = RandomChars(kB64, 12);
  const int scan_ms = 200 + static_cast<int>(U(2500));
  if (spam) {
    AddInfo(scan_ms * 1000,
            Cat(amavis, "Blocked SPAM {DiscardedInbound,Quarantined}, [", ip, "]:", port, " [", ip,
                "] <", sender, "> -> ", rcpt_list, ", quarantine: spam-", mail_id,
                ", Queue-ID: ", q1, ", Message-ID: <", mid, ">, mail_id: ", mail_id,
                ", Hits: ", 6 + U(20), ".", U(1000), ", size: ", size, ", ", scan_ms, " ms"));
    const std::string smtp = Cat("postfix/smtp[", PoolPid(kSmtp, 10), "]: ");
    for (const std::string& r : rcpts) {
      double total;
      std::string d = Delays(&total);
      AddInfo(DelayUs(0.001, 0.01),
              Cat(smtp, q1, ": to=<", r, ">, relay=127.0.0.1[127.0.0.1]:10024, delay=", Secs(total),
                  ", delays=", d, ", dsn=2.7.0, status=sent (250 2.7.0 Ok, discarded, id=", apid,
                  "-0", 1 + U(9), " - spam)"));
    }
    AddInfo(DelayUs(0.001, 0.01), Cat(qmgr, q1, ": removed"));
    return;
  }
  const std::string q2 = QueueId();
  const std::string reinj = Cat("postfix/10025/smtpd[", PoolPid(kSmtpd, 8), "]: ");
  AddInfo(scan_ms * 1000 - 5000, Cat(reinj, "connect from localhost[127.0.0.1]"));
  AddInfo(DelayUs(0.001, 0.005), Cat(reinj, q2, ": client=localhost[127.0.0.1]"));
  AddInfo(DelayUs(0.001, 0.005),
          Cat("postfix/cleanup[", PoolPid(kCleanup, 6), "]: ", q2, ": message-id=<", mid, ">"));
  const std::string size2 = Cat(std::stoll(size) + 400 + U(400));
  AddInfo(DelayUs(0.001, 0.005), Cat(qmgr, q2, ": from=<", sender, ">, size=", size2,
                                     ", nrcpt=", nrcpt, " (queue active)"));
  AddInfo(DelayUs(0.001, 0.005),
          Cat(amavis, "Passed CLEAN {RelayedInbound}, [", ip, "]:", port, " [", ip, "] <", sender,
              "> -> ", rcpt_list, ", Queue-ID: ", q1, ", Message-ID: <", mid,
              ">, mail_id: ", mail_id, ", Hits: -", U(3), ".", 100 + U(899), ", size: ", size,
              ", queued_as: ", q2, ", ", scan_ms, " ms"));
  AddInfo(DelayUs(0.001, 0.005),
          Cat(reinj, "disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=", nrcpt,
              " data=1 quit=1 commands=", 4 + nrcpt));
  const std::string smtp = Cat("postfix/smtp[", PoolPid(kSmtp, 10), "]: ");
  for (const std::string& r : rcpts) {
    double total;
    std::string d = Delays(&total);
    AddInfo(DelayUs(0.001, 0.01),
            Cat(smtp, q1, ": to=<", r, ">, relay=127.0.0.1[127.0.0.1]:10024, delay=", Secs(total),
                ", delays=", d,
                ", dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 "
                "Ok: queued as ",
                q2, ")"));
  }
  AddInfo(DelayUs(0.001, 0.01), Cat(qmgr, q1, ": removed"));

  // Final delivery over LMTP to Dovecot.
  const std::string lmtp = Cat("postfix/lmtp[", PoolPid(kLmtp, 6), "]: ");
  for (const std::string& r : rcpts) {
    double total;
    std::string d = Delays(&total);
    const std::string relay = Cat("relay=", Fqdn(), "[private/dovecot-lmtp]");
    const double outcome = Uf(0, 1);
    if (outcome < 0.02) {
      AddInfo(DelayUs(0.01, 0.1),
              Cat(lmtp, q2, ": to=<", r, ">, ", relay, ", delay=", Secs(total), ", delays=", d,
                  ", dsn=5.1.1, status=bounced (host ", Fqdn(),
                  "[private/dovecot-lmtp] said: 550 5.1.1 <", r, "> User doesn't exist: ", r,
                  " (in reply to RCPT TO command))"));
    } else if (outcome < 0.04) {
      AddInfo(DelayUs(0.01, 0.1),
              Cat(lmtp, q2, ": to=<", r, ">, ", relay, ", delay=", Secs(total), ", delays=", d,
                  ", dsn=4.2.2, status=deferred (host ", Fqdn(),
                  "[private/dovecot-lmtp] said: 452 4.2.2 <", r,
                  "> Quota exceeded (mailbox for user is full) (in reply to end "
                  "of DATA command))"));
    } else {
      const std::string session = RandomChars(kB64, 22);
      AddInfo(DelayUs(0.01, 0.1), Cat("dovecot: lmtp(", r, ")<", Pid(), "><", session, ">: msgid=<",
                                      mid, ">: saved mail to INBOX"));
      AddInfo(DelayUs(0.001, 0.01),
              Cat(lmtp, q2, ": to=<", r, ">, ", relay, ", delay=", Secs(total), ", delays=", d,
                  ", dsn=2.0.0, status=sent (250 2.0.0 <", r, "> ", session, " Saved)"));
    }
  }
  AddInfo(DelayUs(0.001, 0.01), Cat(qmgr, q2, ": removed"));
}

// Submission (SASL) -> optional amavis -> smtp to the Internet: sent,
// deferred then sent, or bounced with a non-delivery notice to the sender.
void FlowGen::Builder::Outbound() {
  const std::string sender = LocalUser();
  const std::string sdomain = DomainOf(sender);
  const int nrcpt = Chance(0.75) ? 1 : 2 + static_cast<int>(U(2));
  std::vector<std::string> rcpts;
  for (int i = 0; i < nrcpt; ++i) rcpts.push_back(ExternalUser());
  const bool webmail = Chance(0.4);
  const std::string ip = webmail ? "127.0.0.1" : Ip();
  const std::string cname = webmail ? "localhost" : "unknown";
  const std::string sub = Cat("postfix/submission/smtpd[", Pid(), "]: ");
  const std::string q1 = QueueId();
  const std::string mid = MessageId(sdomain);
  const std::string size = Size();
  const std::string qmgr = Cat("postfix/qmgr[", PoolPid(kQmgr, 1), "]: ");

  AddInfo(0, Cat(sub, "connect from ", cname, "[", ip, "]"));
  AddInfo(DelayUs(0.02, 0.1), Cat(sub, "Anonymous TLS connection established from ", cname, "[", ip,
                                  "]: ", kTlsCiphers[U(Len(kTlsCiphers))]));
  AddInfo(DelayUs(0.05, 0.3), Cat(sub, q1, ": client=", cname, "[", ip, "], sasl_method=",
                                  Chance(0.5) ? "PLAIN" : "LOGIN", ", sasl_username=", sender));
  AddInfo(DelayUs(0.05, 0.3),
          Cat("postfix/cleanup[", PoolPid(kCleanup, 6), "]: ", q1, ": message-id=<", mid, ">"));
  AddInfo(DelayUs(0.001, 0.02), Cat(qmgr, q1, ": from=<", sender, ">, size=", size,
                                    ", nrcpt=", nrcpt, " (queue active)"));
  AddInfo(DelayUs(0.01, 0.1), Cat(sub, "disconnect from ", cname, "[", ip,
                                  "] ehlo=2 starttls=1 auth=1 mail=1 rcpt=", nrcpt,
                                  " data=1 quit=1 commands=", 7 + nrcpt));
  key_ = {mid, q1, Host(), rcpts[0]};

  std::string q = q1;
  if (Chance(0.5)) {  // content filter on the way out, re-queued as q2
    const std::string q2 = QueueId();
    const int apid = PoolPid(kAmavis, 8);
    std::string rcpt_list;
    for (int i = 0; i < nrcpt; ++i) rcpt_list += Cat(i ? "," : "", "<", rcpts[i], ">");
    const int scan_ms = 100 + static_cast<int>(U(900));
    const std::string reinj = Cat("postfix/10025/smtpd[", PoolPid(kSmtpd, 8), "]: ");
    AddInfo(scan_ms * 1000, Cat(reinj, q2, ": client=localhost[127.0.0.1]"));
    AddInfo(DelayUs(0.001, 0.005),
            Cat("postfix/cleanup[", PoolPid(kCleanup, 6), "]: ", q2, ": message-id=<", mid, ">"));
    AddInfo(DelayUs(0.001, 0.005), Cat(qmgr, q2, ": from=<", sender, ">, size=", size,
                                       ", nrcpt=", nrcpt, " (queue active)"));
    AddInfo(DelayUs(0.001, 0.005),
            Cat("amavis[", apid, "]: ", AmavisId(apid),
                " Passed CLEAN {RelayedOutbound}, ORIGINATING LOCAL [", ip, "]:", 1024 + U(60000),
                " <", sender, "> -> ", rcpt_list, ", Queue-ID: ", q1, ", Message-ID: <", mid,
                ">, mail_id: ", RandomChars(kB64, 12), ", Hits: -, size: ", size,
                ", queued_as: ", q2, ", ", scan_ms, " ms"));
    double total;
    std::string d = Delays(&total);
    for (const std::string& r : rcpts) {
      AddInfo(DelayUs(0.001, 0.01),
              Cat("postfix/smtp[", PoolPid(kSmtp, 10), "]: ", q1, ": to=<", r,
                  ">, relay=127.0.0.1[127.0.0.1]:10024, delay=", Secs(total), ", delays=", d,
                  ", dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 "
                  "2.0.0 Ok: queued as ",
                  q2, ")"));
    }
    AddInfo(DelayUs(0.001, 0.01), Cat(qmgr, q1, ": removed"));
    q = q2;
  }

  for (const std::string& r : rcpts) {
    const std::string rdomain = DomainOf(r);
    const std::string mx = RemoteMx(rdomain);
    const std::string mxip = Ip();
    const std::string smtp = Cat("postfix/smtp[", PoolPid(kSmtp, 20), "]: ");
    const std::string relay = Cat("relay=", mx, "[", mxip, "]:25");
    auto sent_reply = [&]() -> std::string {
      if (rdomain == "gmail.com") {
        return Cat("250 2.0.0 OK  ", 1767225600 + U(30000000), " ", RandomChars(kAlnum, 20), ".",
                   U(1000), " - gsmtp");
      }
      if (rdomain == "outlook.com" || rdomain == "hotmail.com") {
        return Cat("250 2.6.0 <", mid, "> [InternalId=", U(100000000000ULL), ", Hostname=AM", U(10),
                   "PR0", U(10), "MB", RandomChars(kHexU, 4), ".eurprd0", 1 + U(8),
                   ".prod.outlook.com] Queued mail for delivery");
      }
      if (Chance(0.5)) return Cat("250 2.0.0 Ok: queued as ", RandomChars(kHexU, 10));
      return Cat("250 OK id=1", RandomChars(kAlnum, 5), "-000", RandomChars(kAlnum, 2), "-",
                 RandomChars(kAlnum, 2));
    };
    if (Chance(0.5)) {
      AddInfo(DelayUs(0.05, 0.4),
              Cat(smtp, Chance(0.5) ? "Trusted" : "Untrusted", " TLS connection established to ",
                  mx, "[", mxip, "]:25: ", kTlsCiphers[U(Len(kTlsCiphers))]));
    }
    double total;
    std::string d = Delays(&total);
    const double outcome = Uf(0, 1);
    if (outcome < 0.86) {
      AddInfo(DelayUs(0.2, 2.5),
              Cat(smtp, q, ": to=<", r, ">, ", relay, ", delay=", Secs(total), ", delays=", d,
                  ", dsn=2.0.0, status=sent (", sent_reply(), ")"));
    } else if (outcome < 0.96) {
      static constexpr const char* kDeferrals[] = {
          "host MX said: 450 4.2.0 <RCPT>: Recipient address rejected: Greylisted, see "
          "http://postgrey.schweikert.ch/help/DOMAIN.html (in reply to RCPT TO command)",
          "connect to MX[MXIP]:25: Connection timed out",
          "host MX said: 421 4.7.0 Try again later, closing connection. (EHLO) - gsmtp (in reply "
          "to EHLO command)",
          "host MX said: 451 4.7.1 Service unavailable - try again later (in reply to end of DATA "
          "command)"};
      std::string why = kDeferrals[U(Len(kDeferrals))];
      auto subst = [&why](std::string_view from, const std::string& to) {
        for (size_t p; (p = why.find(from)) != std::string::npos;) why.replace(p, from.size(), to);
      };
      subst("MXIP", mxip);
      subst("MX", Cat(mx, "[", mxip, "]"));
      subst("RCPT", r);
      subst("DOMAIN", rdomain);
      const bool conn = why.starts_with("connect");
      AddInfo(DelayUs(0.2, 30),
              Cat(smtp, q, ": to=<", r, ">, ", conn ? std::string("relay=none") : relay,
                  ", delay=", Secs(total + 30), ", delays=", d, ", dsn=4.", conn ? "4.1" : "7.1",
                  ", status=deferred (", why, ")"));
      // Retried from the deferred queue later.
      const int64_t wait = DelayUs(300, 1800);
      AddInfo(wait, Cat(smtp, q, ": to=<", r, ">, ", relay,
                        ", delay=", Secs(total + wait / 1e6 + 30), ", delays=", Secs(wait / 1e6),
                        "/0.01/0.3/0.5", ", dsn=2.0.0, status=sent (", sent_reply(), ")"));
    } else {
      AddInfo(DelayUs(0.2, 2.5),
              Cat(smtp, q, ": to=<", r, ">, ", relay, ", delay=", Secs(total), ", delays=", d,
                  ", dsn=5.1.1, status=bounced (host ", mx, "[", mxip, "] said: 550 5.1.1 <", r,
                  ">: Recipient address rejected: User unknown in virtual mailbox table (in reply "
                  "to RCPT TO command))"));
      const std::string q3 = QueueId();
      AddInfo(DelayUs(0.001, 0.01), Cat("postfix/bounce[", PoolPid(kBounce, 3), "]: ", q,
                                        ": sender non-delivery notification: ", q3));
      AddInfo(DelayUs(0.001, 0.005), Cat("postfix/cleanup[", PoolPid(kCleanup, 6), "]: ", q3,
                                         ": message-id=<", Stamp(), ".", q3, "@", Fqdn(), ">"));
      AddInfo(DelayUs(0.001, 0.005),
              Cat(qmgr, q3, ": from=<>, size=", 2000 + U(3000), ", nrcpt=1 (queue active)"));
      const std::string session = RandomChars(kB64, 22);
      AddInfo(DelayUs(0.01, 0.05),
              Cat("dovecot: lmtp(", sender, ")<", Pid(), "><", session, ">: msgid=<", Stamp(), ".",
                  q3, "@", Fqdn(), ">: saved mail to INBOX"));
      AddInfo(DelayUs(0.001, 0.01), Cat("postfix/lmtp[", PoolPid(kLmtp, 6), "]: ", q3, ": to=<",
                                        sender, ">, relay=", Fqdn(),
                                        "[private/dovecot-lmtp], delay=0.03, delays=0/0/0.01/0.02, "
                                        "dsn=2.0.0, status=sent (250 2.0.0 <",
                                        sender, "> ", session, " Saved)"));
      AddInfo(DelayUs(0.001, 0.01), Cat(qmgr, q3, ": removed"));
    }
  }
  AddInfo(DelayUs(0.001, 0.01), Cat(qmgr, q, ": removed"));
}

// Spam and misaddressed mail refused before the queue.
void FlowGen::Builder::Reject() {
  const std::string ip = Ip();
  const int port = 1024 + static_cast<int>(U(64000));
  const std::string ps = Cat("postfix/postscreen[", PoolPid(kPostscreen, 1), "]: ");
  const std::string sender = ExternalUser();
  const std::string rcpt = Chance(0.7) ? LocalUser() : ExternalUser();
  const std::string helo = Chance(0.5) ? Cat("[", ip, "]") : Cat("mail.", DomainOf(sender));
  AddInfo(0, Cat(ps, "CONNECT from [", ip, "]:", port, " to [", MxIp(), "]:25"));
  if (Chance(0.3)) {
    AddInfo(DelayUs(0.001, 0.05), Cat(ps, "DNSBL rank ", 2 + U(4), " for [", ip, "]:", port));
    AddInfo(DelayUs(5, 7), Cat(ps, "NOQUEUE: reject: RCPT from [", ip, "]:", port,
                               ": 550 5.7.1 Service unavailable; client [", ip,
                               "] blocked using zen.spamhaus.org; from=<", sender, ">, to=<", rcpt,
                               ">, proto=ESMTP, helo=<", helo, ">"));
    AddInfo(DelayUs(0.01, 0.5), Cat(ps, "DISCONNECT [", ip, "]:", port));
    return;
  }
  AddInfo(DelayUs(5, 7), Cat(ps, "PASS NEW [", ip, "]:", port));
  const std::string smtpd = Cat("postfix/smtpd[", Pid(), "]: ");
  const bool unknown = Chance(0.5);
  const std::string cname = unknown ? "unknown" : Cat("host-", U(1000), ".", DomainOf(sender));
  AddInfo(DelayUs(0.001, 0.01), Cat(smtpd, "connect from ", cname, "[", ip, "]"));
  std::string reason;
  switch (U(4)) {
    case 0:
      reason = Cat("454 4.7.1 <", rcpt, ">: Relay access denied");
      break;
    case 1:
      reason = unknown
                   ? Cat("450 4.7.1 Client host rejected: cannot find your hostname, [", ip, "]")
                   : Cat("554 5.7.1 <", rcpt, ">: Relay access denied");
      break;
    case 2:
      reason = Cat("550 5.1.1 <", rcpt,
                   ">: Recipient address rejected: User unknown in virtual mailbox table");
      break;
    default:
      reason = Cat("450 4.7.1 <", helo, ">: Helo command rejected: Host not found");
      break;
  }
  AddInfo(DelayUs(0.1, 2),
          Cat(smtpd, "NOQUEUE: reject: RCPT from ", cname, "[", ip, "]: ", reason, "; from=<",
              sender, "> to=<", rcpt, "> proto=ESMTP helo=<", helo, ">"));
  AddInfo(DelayUs(0.01, 1), Cat(smtpd, "disconnect from ", cname, "[", ip,
                                "] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4"));
}

// What else a mail server logs.
void FlowGen::Builder::Noise() {
  const std::string ip = Ip();
  switch (U(8)) {
    case 0: {
      const std::string anvil = Cat("postfix/anvil[", Pid(), "]: statistics: ");
      const std::string at = [&] {
        std::string s;
        AppendRfc3164Time(t_ - 60000000, &s);
        return s;
      }();
      AddInfo(0, Cat(anvil, "max connection rate ", 1 + U(9), "/60s for (smtp:", ip, ") at ", at));
      AddInfo(0, Cat(anvil, "max connection count ", 1 + U(5), " for (smtp:", ip, ") at ", at));
      AddInfo(0, Cat(anvil, "max cache size ", 1 + U(50), " at ", at));
      break;
    }
    case 1: {
      const std::string name = Cat("host", U(255), "-", U(255), ".dynamic.example-isp.net");
      AddWarn(0, Cat("postfix/smtpd[", Pid(), "]: warning: hostname ", name,
                     " does not resolve to address ", ip, ": Name or service not known"));
      break;
    }
    case 2: {
      const std::string smtpd = Cat("postfix/submission/smtpd[", Pid(), "]: ");
      AddInfo(0, Cat(smtpd, "connect from unknown[", ip, "]"));
      AddWarn(DelayUs(1, 3), Cat(smtpd, "warning: unknown[", ip,
                                 "]: SASL LOGIN authentication failed: UGFzc3dvcmQ6"));
      AddInfo(DelayUs(0.1, 1), Cat(smtpd, "lost connection after AUTH from unknown[", ip, "]"));
      AddInfo(DelayUs(0.001, 0.01),
              Cat(smtpd, "disconnect from unknown[", ip, "] ehlo=1 auth=0/1 commands=1/2"));
      break;
    }
    case 3: {
      const std::string smtpd = Cat("postfix/smtps/smtpd[", Pid(), "]: ");
      AddInfo(0, Cat(smtpd, "connect from unknown[", ip, "]"));
      AddInfo(DelayUs(0.01, 0.1), Cat(smtpd, "SSL_accept error from unknown[", ip, "]: -1"));
      AddWarn(0, Cat(smtpd,
                     "warning: TLS library problem: error:0A00010B:SSL routines::wrong "
                     "version number:../ssl/record/ssl3_record.c:354:"));
      AddInfo(DelayUs(0.001, 0.01),
              Cat(smtpd, "lost connection after CONNECT from unknown[", ip, "]"));
      AddInfo(DelayUs(0.001, 0.01), Cat(smtpd, "disconnect from unknown[", ip, "] commands=0/0"));
      break;
    }
    case 4: {
      const std::string user = LocalUser();
      const std::string session = RandomChars(kB64, 16);
      const int mpid = Pid();
      AddInfo(0, Cat("dovecot: imap-login: Login: user=<", user, ">, method=PLAIN, rip=", ip,
                     ", lip=", MxIp(), ", mpid=", mpid, ", TLS, session=<", session, ">"));
      AddInfo(DelayUs(1, 600), Cat("dovecot: imap(", user, ")<", mpid, "><", session,
                                   ">: Disconnected: Logged out in=", U(5000), " out=", U(500000),
                                   " deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 "
                                   "body_count=0 body_bytes=0"));
      break;
    }
    case 5: {
      const std::string ps = Cat("postfix/postscreen[", PoolPid(kPostscreen, 1), "]: ");
      const int port = 1024 + static_cast<int>(U(64000));
      AddInfo(0, Cat(ps, "CONNECT from [", ip, "]:", port, " to [", MxIp(), "]:25"));
      AddInfo(DelayUs(0.5, 3), Cat(ps, "HANGUP after ", Secs(Uf(0.1, 3)), " from [", ip, "]:", port,
                                   " in tests after SMTP handshake"));
      AddInfo(0, Cat(ps, "DISCONNECT [", ip, "]:", port));
      break;
    }
    case 6: {
      const std::string smtpd = Cat("postfix/smtpd[", Pid(), "]: ");
      AddWarn(0, Cat(smtpd, "warning: non-SMTP command from unknown[", ip, "]: GET / HTTP/1.1"));
      AddInfo(0, Cat(smtpd, "disconnect from unknown[", ip, "] unknown=0/1 commands=0/1"));
      break;
    }
    default:
      AddInfo(0, Cat("postfix/scache[", Pid(), "]: statistics: start interval ", [&] {
                std::string s;
                AppendRfc3164Time(t_ - 300000000, &s);
                return s;
              }()));
      AddInfo(0, Cat("postfix/scache[", Pid(), "]: statistics: domain lookup hits=", U(20),
                     " miss=", U(20), " success=", U(100), "%"));
      break;
  }
}

FlowGen::FlowGen(const FlowGenOptions& options)
    : o_(options), rng_(options.seed * 0x9E3779B97F4A7C15ULL + 1), sample_rng_(options.seed + 7) {
  if (o_.hosts < 1) o_.hosts = 1;
  for (int i = 0; i < o_.hosts; ++i) hostnames_.push_back("mx" + std::to_string(i + 1));
  // About 12 lines per flow on average.
  mean_gap_us_ = 12.0 * 1e6 / (o_.sim_lines_per_s > 0 ? o_.sim_lines_per_s : 100);
  next_arrival_us_ = o_.start_unix_s * 1000000;
}

FlowGen::~FlowGen() {
  while (!heap_.empty()) {
    delete heap_.top();
    heap_.pop();
  }
}

void FlowGen::Push(uint32_t flow, int64_t time_us, int host, int pri, std::string body) {
  heap_.push(new Pending{time_us, seq_++, flow, static_cast<int16_t>(host),
                         static_cast<int16_t>(pri), std::move(body)});
}

void FlowGen::StartFlow(int64_t at_us) {
  Builder b(*this, at_us);
  const uint64_t kind = b.U(100);
  if (kind < 42) {
    b.Inbound();
    b.Finish(true);
  } else if (kind < 64) {
    b.Outbound();
    b.Finish(true);
  } else if (kind < 80) {
    b.Reject();
    b.Finish(false);
  } else {
    b.Noise();
    b.Finish(false);
  }
}

void FlowGen::FlowDone(FlowState& f) {
  if (!f.sample || o_.key_samples == 0) return;
  ++finished_messages_;
  if (samples_.size() < o_.key_samples) {
    samples_.push_back(std::move(f.key));
  } else {
    uint64_t j = sample_rng_() % finished_messages_;
    if (j < o_.key_samples) samples_[j] = std::move(f.key);
  }
}

void FlowGen::Next(std::string* line, int* pri, int* host) {
  while (heap_.empty() || next_arrival_us_ <= heap_.top()->time_us) {
    StartFlow(next_arrival_us_);
    const double u = (rng_() >> 11) * 0x1.0p-53;
    next_arrival_us_ += static_cast<int64_t>(-std::log(1.0 - u) * mean_gap_us_) + 1;
  }
  Pending* p = heap_.top();
  heap_.pop();
  line->clear();
  AppendRfc3164Time(p->time_us, line);
  line->push_back(' ');
  line->append(hostnames_[p->host]);
  line->push_back(' ');
  line->append(p->body);
  *pri = p->pri;
  *host = p->host;
  auto it = flows_.find(p->flow);
  if (it != flows_.end() && --it->second.remaining <= 0) {
    FlowDone(it->second);
    flows_.erase(it);
  }
  delete p;
}

}  // namespace mlq::bench
