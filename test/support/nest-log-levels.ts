import { Logger } from '@nestjs/common';

// Code under test outside an application (the engine adapter on its own) logs through Nest's
// console logger, which prints debug lines too: keep those (each engine call) out of test output.
// An application under test replaces this logger with its own (LOG_LEVEL).
Logger.overrideLogger(['fatal', 'error', 'warn', 'log']);
