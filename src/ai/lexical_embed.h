// Lexical embeddings without a model: hashed, sublinear term frequencies of words, word
// bigrams and character trigrams, signed feature hashing into a fixed number of dimensions,
// L2-normalised. Two texts sharing words (or word pieces) get a positive cosine similarity.
//
//   std::vector<float> v = LexicalEmbed("Fast shipping, sturdy case");   // 512 floats, |v| = 1
//
// Stop words are dropped and every term is weighted by a length-based rarity proxy
// (1 + log(1 + letters)), since a single text carries no corpus for a real IDF.
//
// Thread safety: pure functions.
#pragma once

#include <string_view>
#include <vector>

namespace custintel::ai {

inline constexpr int kLexicalDims = 512;

// Unit-length embedding of `text` in kLexicalDims dimensions. A text without any word maps
// to the first basis vector, so the result is unit length for every input.
std::vector<float> LexicalEmbed(std::string_view text, int dims = kLexicalDims);

// Dot product of two equally long vectors (the cosine for unit vectors); 0 when sizes differ.
double Cosine(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace custintel::ai
