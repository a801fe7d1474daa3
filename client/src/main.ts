import { createApp } from 'vue';
import { createPinia } from 'pinia';
import 'bulma/css/versions/bulma-no-dark-mode.min.css';
import './style.css';
import App from './App.vue';

createApp(App).use(createPinia()).mount('#app');
