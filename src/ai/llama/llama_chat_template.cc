#include "ai/llama/llama_chat_template.h"

#include "core/hash.h"
#include "llama.h"

namespace custintel::ai {
namespace {

constexpr const char* kFallback = "chatml";

// llama_chat_apply_template, growing the buffer once when the first guess is short.
// Returns -1 when llama.cpp does not recognise the template.
int32_t ApplyInto(const std::string& tmpl, std::string_view user, std::string* out) {
  const std::string content(user);
  llama_chat_message msg{"user", content.c_str()};
  out->resize(content.size() * 2 + 256);
  int32_t n = llama_chat_apply_template(tmpl.c_str(), &msg, 1, /*add_ass=*/true, out->data(),
                                        static_cast<int32_t>(out->size()));
  if (n > static_cast<int32_t>(out->size())) {
    out->resize(static_cast<size_t>(n));
    n = llama_chat_apply_template(tmpl.c_str(), &msg, 1, true, out->data(), n);
  }
  out->resize(n < 0 ? 0 : static_cast<size_t>(n));
  return n;
}

}  // namespace

ChatTemplate ChatTemplate::FromModelText(const std::string& model_template) {
  ChatTemplate t;
  std::string probe;
  if (!model_template.empty() && ApplyInto(model_template, "x", &probe) >= 0) {
    t.tmpl_ = model_template;
    t.id_ = "model:" + Sha256Hex(model_template).substr(0, 16);
  } else {
    t.tmpl_ = kFallback;
    t.id_ = kFallback;
  }
  return t;
}

std::string ChatTemplate::Apply(std::string_view user) const {
  std::string out;
  if (ApplyInto(tmpl_, user, &out) < 0) {  // cannot happen: the template was probed at load
    ApplyInto(kFallback, user, &out);
  }
  return out;
}

}  // namespace custintel::ai
