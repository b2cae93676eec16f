const base = require('./jest.config.js');
module.exports = {
  ...base,
  testMatch: [
    '<rootDir>/test/unit/domain/write-keys.test.ts',
    '<rootDir>/test/unit/handlers/ingest-keys.test.ts',
    '<rootDir>/test/unit/handlers/ingest.test.ts',
    '<rootDir>/test/unit/domain/consent.test.ts',
    '<rootDir>/test/unit/adapters/secrets.test.ts',
    '<rootDir>/test/unit/handlers/subject-access.test.ts',
  ],
};
