// Choice scores from an OpenAI-compatible chat answer's logprobs (issue 6 item 5): the http
// backend's choose asks for {"label": <one of the choices>} by json_schema with
// `logprobs: true, top_logprobs: 20`; llama.cpp's server (and OpenAI) then report, for every
// generated token, its log-probability and the 20 likeliest alternatives at that position.
//
// The score of a choice is the probability mass of the first-position tokens that begin it
// and no other choice, at the token where the label's value starts (the alternatives there
// are the model's own distribution, before the grammar narrowed it to the choices); the
// masses are normalised over the choices. A full-sequence score (as the llama backend
// computes in-process) is not possible over this API: the server cannot be asked for the
// probability of a given continuation.
//
//   std::optional<std::vector<double>> p = ScoreChoicesFromLogprobs(answer, choices);
//
// nullopt (the caller then reports probability 1 for the answered label) when the answer has
// no logprobs, the tokens do not spell the content, or the answered label's first token is
// shared with another choice (e.g. "ne" for negative and neutral). A choice whose own first
// token is not among the 20 alternatives gets 0.
//
// Thread safety: a pure function.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace custintel::ai {

inline constexpr int kChooseTopLogprobs = 20;

// `answer`: the whole /v1/chat/completions response. `label`: the choice the content names.
std::optional<std::vector<double>> ScoreChoicesFromLogprobs(const nlohmann::json& answer,
                                                            std::span<const std::string> choices,
                                                            const std::string& label);

}  // namespace custintel::ai
