// Minimal types for ua-parser-js 1.0.x (MIT), which ships none.
declare module 'ua-parser-js' {
  interface UAResult {
    ua: string;
    browser: { name?: string; version?: string; major?: string };
    engine: { name?: string; version?: string };
    os: { name?: string; version?: string };
    device: { vendor?: string; model?: string; type?: string };
    cpu: { architecture?: string };
  }
  class UAParser {
    constructor(ua?: string);
    getResult(): UAResult;
    getBrowser(): UAResult['browser'];
    getOS(): UAResult['os'];
    getDevice(): UAResult['device'];
  }
  export = UAParser;
}
