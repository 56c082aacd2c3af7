// Statement: parameters bound by name find their index again at every use, whatever the order
// and wherever the name's text lives.
#include "store/sqlite_statement.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstring>
#include <memory>
#include <string>

namespace runhook::store::sqlite {
namespace {

class StatementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    Result<std::unique_ptr<Statement>> prepared =
        Statement::Prepare(db_, "SELECT :a || '|' || :b || '|' || :c");
    ASSERT_TRUE(prepared) << prepared.error().message;
    statement_ = std::move(prepared).value();
  }
  void TearDown() override {
    statement_.reset();  // finalized before the connection closes
    sqlite3_close(db_);
  }

  // The one row of the statement, then resets it.
  std::string RowAndReset() {
    Result<bool> row = statement_->Step();
    std::string text =
        row ? (*row ? statement_->ColumnText(0) : "(no row)") : "error: " + row.error().message;
    statement_->Reset();
    return text;
  }

  sqlite3* db_ = nullptr;
  std::unique_ptr<Statement> statement_;
};

TEST_F(StatementTest, NamesBoundInAnotherOrderAtTheNextUseFindTheirParameters) {
  statement_->BindText(":a", "1");
  statement_->BindText(":b", "2");
  statement_->BindText(":c", "3");
  EXPECT_EQ(RowAndReset(), "1|2|3");
  statement_->BindText(":c", "z");
  statement_->BindText(":a", "x");
  statement_->BindText(":b", "y");
  EXPECT_EQ(RowAndReset(), "x|y|z");
  statement_->BindText(":b", "q");
  statement_->BindText(":a", "p");
  statement_->BindText(":c", "r");
  EXPECT_EQ(RowAndReset(), "p|q|r");
}

TEST_F(StatementTest, NamesWrittenIntoOneReusedBufferEachFindTheirOwnParameter) {
  char name[8];
  for (int use = 0; use < 2; ++use) {
    std::strcpy(name, ":a");
    statement_->BindText(name, "first");
    std::strcpy(name, ":b");  // the same address as ":a" was bound with
    statement_->BindText(name, "second");
    std::strcpy(name, ":c");
    statement_->BindText(name, "third");
    EXPECT_EQ(RowAndReset(), "first|second|third") << "use " << use;
  }
  statement_->BindText(":c", "3");  // literals after the buffer
  statement_->BindText(":a", "1");
  statement_->BindText(":b", "2");
  EXPECT_EQ(RowAndReset(), "1|2|3");
}

TEST_F(StatementTest, AnUnknownNameFailsTheNextStepNamingIt) {
  statement_->BindText(":a", "1");
  statement_->BindText(":missing", "2");
  const std::string result = RowAndReset();
  EXPECT_NE(result.find("no parameter :missing"), std::string::npos) << result;
  // The error does not outlive the execution it belonged to.
  statement_->BindText(":a", "1");
  statement_->BindText(":b", "2");
  statement_->BindText(":c", "3");
  EXPECT_EQ(RowAndReset(), "1|2|3");
}

}  // namespace
}  // namespace runhook::store::sqlite
