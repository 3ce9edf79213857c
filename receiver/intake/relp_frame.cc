#include "receiver/intake/relp_frame.h"

#include <algorithm>

namespace mlq {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

constexpr int kMaxDigits = 9;
constexpr size_t kMaxCommand = 32;

}  // namespace

RelpFrameParser::Result RelpFrameParser::Next(std::string_view* input, RelpFrame* frame) {
  if (state_ == State::kError) return error_;
  std::string_view& in = *input;
  while (!in.empty()) {
    const char c = in.front();
    switch (state_) {
      case State::kTxnr:
        if (IsDigit(c)) {
          if (digits_ == kMaxDigits) return Fail(Result::kMalformed);
          txnr_ = txnr_ * 10 + static_cast<uint32_t>(c - '0');
          ++digits_;
        } else if (c == ' ' && digits_ > 0) {
          state_ = State::kCommand;
          command_len_ = 0;
        } else {
          return Fail(Result::kMalformed);
        }
        in.remove_prefix(1);
        break;
      case State::kCommand:
        if (IsAlpha(c)) {
          if (command_len_ == kMaxCommand) return Fail(Result::kMalformed);
          command_[command_len_++] = c;
        } else if (c == ' ' && command_len_ > 0) {
          state_ = State::kDatalen;
          digits_ = 0;
          datalen_ = 0;
        } else {
          return Fail(Result::kMalformed);
        }
        in.remove_prefix(1);
        break;
      case State::kDatalen:
        if (IsDigit(c)) {
          if (digits_ == kMaxDigits) return Fail(Result::kMalformed);
          datalen_ = datalen_ * 10 + static_cast<uint32_t>(c - '0');
          ++digits_;
          in.remove_prefix(1);
          break;
        }
        if (digits_ == 0) return Fail(Result::kMalformed);
        if (datalen_ == 0) {
          state_ = State::kTrailer;  // no SP DATA: the LF comes next
          break;                     // (not consumed: the trailer checks it)
        }
        if (c != ' ') return Fail(Result::kMalformed);
        in.remove_prefix(1);
        state_ = State::kData;
        data_.clear();
        data_direct_ = false;
        remaining_ = datalen_;
        break;
      case State::kData: {
        const size_t keep = std::min<size_t>(datalen_, max_data_);
        if (remaining_ == datalen_ && datalen_ <= max_data_ && in.size() >= datalen_) {
          // The whole DATA is in this input: no copy.
          direct_ = in.substr(0, datalen_);
          data_direct_ = true;
          in.remove_prefix(datalen_);
          remaining_ = 0;
        } else {
          const size_t take = std::min<size_t>(remaining_, in.size());
          if (data_.size() < keep) {
            if (data_.capacity() < keep) data_.reserve(keep);
            data_.append(in.data(), std::min(take, keep - data_.size()));
          }
          in.remove_prefix(take);  // beyond `keep`: read and dropped
          remaining_ -= static_cast<uint32_t>(take);
        }
        if (remaining_ == 0) state_ = State::kTrailer;
        break;
      }
      case State::kTrailer:
        if (c != '\n') return Fail(Result::kMalformed);
        in.remove_prefix(1);
        frame->txnr = txnr_;
        frame->command = std::string_view(command_, command_len_);
        frame->data = datalen_ == 0  ? std::string_view()
                      : data_direct_ ? direct_
                                     : std::string_view(data_);
        frame->truncated = datalen_ > max_data_;
        state_ = State::kTxnr;
        digits_ = 0;
        txnr_ = 0;
        return Result::kFrame;
      case State::kError:
        return Fail(Result::kMalformed);
    }
  }
  return Result::kNeedMore;
}

void AppendRelpResponse(uint32_t txnr, std::string_view data, std::string* out) {
  out->append(std::to_string(txnr));
  out->append(" rsp ");
  out->append(std::to_string(data.size()));
  if (!data.empty()) {
    out->push_back(' ');
    out->append(data);
  }
  out->push_back('\n');
}

}  // namespace mlq
