// Chat templates: how one row's prompt becomes the text a chat model expects.
//
// A model's own template comes from its GGUF (tokenizer.chat_template) and is applied by
// llama.cpp's llama_chat_apply_template, which knows the common template families by their
// text. A model without one, or with a template llama.cpp does not recognise, gets ChatML —
// the format most small instruction-tuned models were trained on.
//
//   ChatTemplate t = ChatTemplate::FromModelText(model_template);  // "" = none
//   std::string text = t.Apply("Classify this review: ...");
//   // "<|im_start|>user\nClassify this review: ...<|im_end|>\n<|im_start|>assistant\n"
//
// Each prompt is exactly one user turn (one row = one sequence); the assistant turn is opened
// so that generation writes the reply. Rows sharing an instruction share a text prefix, which
// the batch decoder turns into a shared KV-cache prefix.
//
// Thread safety: immutable after construction; Apply may be called from any thread.
#pragma once

#include <string>
#include <string_view>

namespace custintel::ai {

class ChatTemplate {
 public:
  // `model_template` is the model's template text ("" when it has none).
  static ChatTemplate FromModelText(const std::string& model_template);

  // The prompt wrapped as one user turn, with the assistant turn opened.
  std::string Apply(std::string_view user) const;

  // "chatml" for the fallback, else "model:<first 16 hex of the template's sha256>": a change
  // of template is a change of cache key.
  const std::string& id() const { return id_; }
  bool is_fallback() const { return tmpl_ == "chatml"; }

 private:
  std::string tmpl_;  // passed to llama_chat_apply_template: template text or "chatml"
  std::string id_;
};

}  // namespace custintel::ai
