import { createContext } from 'react';

/** Whether links are drawn as OSC 8 hyperlinks (the `links` setting, for this terminal). */
export const LinksContext = createContext(false);
