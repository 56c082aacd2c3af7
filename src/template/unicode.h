// UTF-8 and the slice of Python's str behaviour the engine needs: code points, case mapping
// (full mappings and the final-sigma rule, as str.upper/lower do), and character classes.
// Invalid UTF-8 bytes are treated as single code points U+0080..U+00FF would be, never dropped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace runhook::templating {

void AppendUtf8(uint32_t code_point, std::string* out);
std::vector<uint32_t> DecodeUtf8(std::string_view text);
std::string EncodeUtf8(const std::vector<uint32_t>& code_points);
size_t CodePointCount(std::string_view text);
bool IsAscii(std::string_view text);                          // every byte below 0x80
std::string DecodeOne(std::string_view text, size_t offset);  // the character at a byte offset

std::string PythonUpper(std::string_view text);
std::string PythonLower(std::string_view text);
std::string PythonCapitalize(std::string_view text);  // str.capitalize
void AppendUpper(uint32_t code_point, std::vector<uint32_t>* out);
void AppendLower(uint32_t code_point, std::vector<uint32_t>* out);

bool IsPythonSpace(uint32_t code_point);    // str.isspace
bool IsWordCharacter(uint32_t code_point);  // re's \w
bool IsPrintable(uint32_t code_point);      // str.isprintable
bool IsCased(uint32_t code_point);
bool IsUpperCase(
    uint32_t code_point);  // has a lowercase mapping and is cased (approximates isupper)
bool IsLowerCase(uint32_t code_point);

}  // namespace runhook::templating
